import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where this process sits in each cgroup hierarchy hearth can use. */
export interface CgroupLocations {
  /** The cgroup v2 directory this process is in (mount point + own path), if v2 is mounted. */
  v2?: string;
  /** cgroup v1 hierarchies (hybrid hosts) for controllers v2 does not offer here. */
  v1: Partial<Record<V1Controller, string>>;
}

export const V1_CONTROLLERS = ['memory', 'pids', 'cpu', 'blkio'] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

interface Mount {
  point: string;
  /** The root of the mounted hierarchy as seen from this mount namespace. */
  root: string;
  type: string;
  options: string[];
}

/** Fields of /proc/self/mountinfo (proc(5)); mount points escape spaces as \040. */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const before = line.slice(0, sep).split(' ');
    const after = line.slice(sep + 3).split(' ');
    const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    mounts.push({ root: unescape(before[3] ?? '/'), point: unescape(before[4] ?? ''), type: after[0] ?? '', options: (after[2] ?? '').split(',') });
  }
  return mounts;
}

/** /proc/self/cgroup lines: "0::/path" for v2, "4:memory:/path" for v1. */
export function parseProcCgroup(text: string): { v2?: string; v1: Map<string, string> } {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '0' && m[2] === '') v2 = m[3];
    else for (const c of m[2]!.split(',')) v1.set(c, m[3]!);
  }
  return { ...(v2 !== undefined ? { v2 } : {}), v1 };
}

/** The path of a cgroup inside a mount whose root may itself be a sub-cgroup (containers). */
function within(mount: Mount, path: string): string {
  const rel = mount.root !== '/' && path.startsWith(mount.root) ? path.slice(mount.root.length) : path;
  return join(mount.point, rel);
}

/** Reads where this process is in the cgroup hierarchies, from /proc (no writes). */
export function locateCgroups(procRoot = '/proc/self'): CgroupLocations {
  let mounts: Mount[];
  let own: ReturnType<typeof parseProcCgroup>;
  try {
    mounts = parseMountinfo(readFileSync(`${procRoot}/mountinfo`, 'utf8'));
    own = parseProcCgroup(readFileSync(`${procRoot}/cgroup`, 'utf8'));
  } catch {
    return { v1: {} };
  }
  const result: CgroupLocations = { v1: {} };
  const v2 = mounts.find((m) => m.type === 'cgroup2');
  if (v2 && own.v2 !== undefined) result.v2 = within(v2, own.v2);
  for (const controller of V1_CONTROLLERS) {
    const mount = mounts.find((m) => m.type === 'cgroup' && m.options.includes(controller));
    const path = own.v1.get(controller);
    if (mount && path !== undefined) result.v1[controller] = within(mount, path);
  }
  return result;
}
