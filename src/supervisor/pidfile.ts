import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { pidAlive } from '../boundary/index.js';

/** The pid a pidfile names, or undefined when it is missing, empty or not a number. */
export function readPidFile(path: string): number | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Waits for a forking daemon's pidfile to name a live process. Calls found()
 * with the pid, or failed() when the deadline passes or the daemon is gone;
 * returns a cancel function.
 */
export function waitForPidFile(
  path: string,
  timeoutMs: number,
  found: (pid: number) => void,
  failed: (why: string) => void,
  /** False once nothing of the service is left (cgroups know; undefined: cannot tell). */
  populated: () => boolean | undefined = () => undefined,
  pollMs = 25,
): () => void {
  const deadline = Date.now() + timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const poll = () => {
    const pid = readPidFile(path);
    if (pid !== undefined && pidAlive(pid)) return found(pid);
    // The daemon died before writing its pidfile: no reason to wait out the timeout.
    if (populated() === false) return failed('no process of it is left');
    if (Date.now() > deadline) return failed('names no live process');
    timer = setTimeout(poll, pollMs);
  };
  poll();
  return () => timer && clearTimeout(timer);
}

/**
 * A pidfile only root could have written: owned by root, not writable by
 * group or others, in a directory where nobody else can replace it either.
 */
export function onlyRootCouldWrite(path: string): boolean {
  try {
    for (const p of [path, dirname(path)]) {
      const st = statSync(p);
      // A sticky directory (/tmp) protects files from others' renames; group/other write on the file does not.
      const othersMayWrite = p === path ? (st.mode & 0o022) !== 0 : (st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0;
      if (st.uid !== 0 || othersMayWrite) return false;
    }
    return true;
  } catch {
    return false;
  }
}
