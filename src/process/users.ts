import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { HearthError, descriptorShortage } from '../errors/index.js';

export interface UserInfo {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface GroupInfo {
  name: string;
  gid: number;
}

/** Reads passwd-style databases: /etc first (fast, no fork), NSS via getent as the fallback. */
function lookup(db: 'passwd' | 'group', key: string): string[] | undefined {
  const numeric = /^\d+$/.test(key);
  try {
    for (const line of readFileSync(`/etc/${db}`, 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields.length < 3) continue;
      if (numeric ? fields[2] === key : fields[0] === key) return fields;
    }
  } catch (e) {
    // Out of descriptors is not "no such user": say what it is.
    throwIfShortOfDescriptors(e, db, key);
    // otherwise fall through to getent
  }
  try {
    const out = execFileSync('getent', [db, key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    const first = out.split('\n')[0];
    return first ? first.split(':') : undefined;
  } catch (e) {
    throwIfShortOfDescriptors(e, db, key);
    return undefined;
  }
}

export function lookupUser(nameOrUid: string): UserInfo {
  const f = lookup('passwd', nameOrUid);
  if (!f) throw new HearthError('ERR_USER_NOT_FOUND', `user "${nameOrUid}" does not exist`);
  return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/', shell: f[6] ?? '/bin/sh' };
}

export function lookupGroup(nameOrGid: string): GroupInfo {
  const f = lookup('group', nameOrGid);
  if (!f) throw new HearthError('ERR_GROUP_NOT_FOUND', `group "${nameOrGid}" does not exist`);
  return { name: f[0]!, gid: Number(f[2]) };
}

/** The gids of the groups that list a user as a member, besides its primary group (what initgroups(3) sets). */
export function userGroups(name: string): number[] {
  const gids: number[] = [];
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 4 && f[3]!.split(',').includes(name)) gids.push(Number(f[2]));
    }
  } catch {
    // no /etc/group: only the primary group
  }
  const primary = lookup('passwd', name)?.[3];
  if (primary !== undefined) gids.unshift(Number(primary));
  return [...new Set(gids)];
}

function throwIfShortOfDescriptors(e: unknown, db: string, key: string): void {
  const shortage = descriptorShortage(e, `look up ${db === 'passwd' ? 'user' : 'group'} "${key}"`);
  if (shortage) throw shortage;
}
