import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { HearthError } from '../errors/index.js';

export interface GroupLookupOptions {
  /** For tests; the real one is /etc/group. */
  groupFile?: string;
  /** Ask NSS (LDAP, sssd groups) when the file does not know the name. */
  useGetent?: boolean;
}

/** A group name or number → gid: /etc/group first, then `getent group` for NSS-only groups. */
export async function lookupGroupId(group: string, options: GroupLookupOptions = {}): Promise<number> {
  if (/^\d+$/.test(group)) return Number(group);
  const file = options.groupFile ?? '/etc/group';
  try {
    const gid = findGid(await readFile(file, 'utf8'), group);
    if (gid !== undefined) return gid;
  } catch {
    // unreadable group file: fall through to getent
  }
  if (options.useGetent ?? options.groupFile === undefined) {
    const line = await new Promise<string>((resolve) =>
      execFile('getent', ['group', group], { timeout: 5000 }, (err, stdout) => resolve(err ? '' : stdout)),
    );
    const gid = findGid(line, group);
    if (gid !== undefined) return gid;
  }
  throw new HearthError('ERR_GROUP_NOT_FOUND', `group "${group}" for the control socket not found`, {
    hint: `create it (groupadd ${group}) or pass a numeric gid`,
  });
}

function findGid(text: string, group: string): number | undefined {
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}
