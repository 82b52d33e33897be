import { HearthError } from './hearth-error.js';

/**
 * Out of descriptors is a state of hearthd (or of the whole system), not a
 * property of whatever was being opened: reading /etc/passwd under EMFILE must
 * not become `user "nobody" does not exist`. Callers that catch errors from
 * open/accept/spawn ask here first.
 */
export function isDescriptorShortage(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
}

/** The error to report when `attempted` failed for want of descriptors; undefined for any other failure. */
export function descriptorShortage(e: unknown, attempted: string): HearthError | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EMFILE') {
    return new HearthError('ERR_NO_DESCRIPTORS', `cannot ${attempted}: hearthd has used all its file descriptors (EMFILE)`, {
      hint: 'see "ls /proc/$(pidof -s hearthd)/fd | wc -l"; raise the hard RLIMIT_NOFILE hearthd starts with',
      cause: e,
    });
  }
  if (code === 'ENFILE') {
    return new HearthError('ERR_NO_DESCRIPTORS', `cannot ${attempted}: the system's open file table is full (ENFILE)`, {
      hint: 'see /proc/sys/fs/file-nr and fs.file-max',
      cause: e,
    });
  }
  return undefined;
}
