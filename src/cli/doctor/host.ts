/**
 * What `hearth doctor` reads off the host itself, without hearthd: cgroup
 * mounts, files and their modes, disk use and free space, the parent and
 * sockets of a process. Every probe answers "unknown" rather than throwing:
 * a doctor that crashes on an odd host is no use on exactly those hosts.
 */
import { accessSync, constants, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmdirSync, statfsSync, statSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { parseProcNet } from '../../catalog/index.js';

export interface CgroupHost {
  /** Where a cgroup2 hierarchy is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts). */
  /** favorDynmods: mounted with favordynmods, which makes moving a process between cgroups cheap (see migrationCheck). */
  v2?: { path: string; writable: boolean; kill: boolean; controllers: string[]; favorDynmods: boolean };
  /** v1 hierarchies by controller name (memory, pids, …). */
  v1: string[];
}

/** cgroup mounts from /proc/self/mountinfo (fields after " - " are type and source). */
export function readCgroups(mountinfo = '/proc/self/mountinfo'): CgroupHost {
  const host: CgroupHost = { v1: [] };
  let text = '';
  try {
    text = readFileSync(mountinfo, 'utf8');
  } catch {
    return host;
  }
  for (const line of text.split('\n')) {
    const [before, after] = line.split(' - ');
    if (!before || !after) continue;
    const mountPoint = before.split(' ')[4];
    const [type, , options = ''] = after.split(' ');
    if (!mountPoint) continue;
    if (type === 'cgroup2' && !host.v2) {
      host.v2 = {
        path: mountPoint,
        writable: canWrite(mountPoint),
        kill: exists(join(mountPoint, 'cgroup.kill')) || hasKillBelow(mountPoint),
        controllers: readWords(join(mountPoint, 'cgroup.controllers')),
        favorDynmods: options.split(',').includes('favordynmods'),
      };
    } else if (type === 'cgroup') {
      host.v1.push(...options.split(',').filter((o) => !['rw', 'ro', 'relatime', 'nosuid', 'nodev', 'noexec'].includes(o)));
    }
  }
  return host;
}

/**
 * The root cgroup has no cgroup.kill, only its children do (Linux 5.14+). Look
 * at an existing child; else make one for a moment where we may; else go by
 * the kernel's version.
 */
function hasKillBelow(path: string): boolean {
  try {
    const child = readdirSync(path, { withFileTypes: true }).find((e) => e.isDirectory());
    if (child) return exists(join(path, child.name, 'cgroup.kill'));
  } catch {
    return false;
  }
  const probe = join(path, `hearth-doctor-${process.pid}`);
  try {
    mkdirSync(probe);
    try {
      return exists(join(probe, 'cgroup.kill'));
    } finally {
      rmdirSync(probe);
    }
  } catch {
    const [major = 0, minor = 0] = release().split('.').map(Number);
    return major > 5 || (major === 5 && minor >= 14);
  }
}

function readWords(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

export function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export interface FileFacts {
  path: string;
  exists: boolean;
  /** "srw-rw----" as ls shows it. */
  mode?: string;
  /** The permission bits alone, e.g. 0o660. */
  perm?: number;
  owner?: string;
  group?: string;
}

const TYPE_CHARS: Array<[number, string]> = [
  [0o140000, 's'],
  [0o120000, 'l'],
  [0o100000, '-'],
  [0o040000, 'd'],
  [0o010000, 'p'],
];

export function modeString(mode: number): string {
  const type = TYPE_CHARS.find(([bits]) => (mode & 0o170000) === bits)?.[1] ?? '?';
  const rwx = ['r', 'w', 'x'];
  let s = type;
  for (let i = 8; i >= 0; i--) s += mode & (1 << i) ? rwx[(8 - i) % 3] : '-';
  return s;
}

function nameOf(file: string, id: number): string {
  try {
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(id));
    return line?.split(':')[0] ?? String(id);
  } catch {
    return String(id);
  }
}

export function fileFacts(path: string): FileFacts {
  try {
    const st = lstatSync(path);
    return { path, exists: true, mode: modeString(st.mode), perm: st.mode & 0o777, owner: nameOf('/etc/passwd', st.uid), group: nameOf('/etc/group', st.gid) };
  } catch {
    return { path, exists: false };
  }
}

/** Bytes in regular files under dir, stopping after `limit` entries (a journal dir is flat and small in count). */
export function directorySize(dir: string, limit = 100_000): number | undefined {
  let total = 0;
  let seen = 0;
  const walk = (d: string): boolean => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return d !== dir;
    }
    for (const e of entries) {
      if (++seen > limit) return false;
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!walk(p)) return false;
      } else if (e.isFile()) {
        try {
          total += statSync(p).size;
        } catch {
          // gone meanwhile
        }
      }
    }
    return true;
  };
  return walk(dir) ? total : undefined;
}

export function freeSpace(path: string): { free: number; total: number } | undefined {
  try {
    const s = statfsSync(path);
    return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
  } catch {
    return undefined;
  }
}

export interface ProcessFacts {
  pid: number;
  command?: string;
  uid?: number;
  user?: string;
  ppid?: number;
  parentCommand?: string;
}

function comm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function processFacts(pid: number): ProcessFacts {
  const facts: ProcessFacts = { pid };
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    const ppid = /^PPid:\s+(\d+)/m.exec(status)?.[1];
    if (uid !== undefined) {
      facts.uid = Number(uid);
      facts.user = nameOf('/etc/passwd', facts.uid);
    }
    if (ppid !== undefined) {
      facts.ppid = Number(ppid);
      const parent = comm(facts.ppid);
      if (parent !== undefined) facts.parentCommand = parent;
    }
    const command = comm(pid);
    if (command !== undefined) facts.command = command;
  } catch {
    // another pid namespace, or gone
  }
  return facts;
}

export interface PortFacts {
  protocol: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  address: string;
  port: number;
}

/**
 * Listening sockets held by `pid` and by the hearth-* helpers it started
 * (the acceptor owns some of hearthd's ports). undefined when /proc does not
 * let us look (another user's process without root).
 */
export function listeningPorts(pid: number): PortFacts[] | undefined {
  const holders = [pid, ...childrenNamed(pid, /^hearth-/)];
  const inodes = new Set<number>();
  for (const holder of holders) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${holder}/fd`);
    } catch {
      if (holder === pid) return undefined;
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${holder}/fd/${fd}`));
        if (m) inodes.add(Number(m[1]));
      } catch {
        // closed meanwhile
      }
    }
  }
  const ports: PortFacts[] = [];
  for (const protocol of ['tcp', 'tcp6', 'udp', 'udp6'] as const) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${protocol}`, 'latin1');
    } catch {
      continue;
    }
    for (const l of parseProcNet(text, protocol)) if (inodes.has(l.inode)) ports.push({ protocol, address: l.address, port: l.port });
  }
  return ports.sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}

function childrenNamed(pid: number, name: RegExp): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
      .filter((child) => name.test(comm(child) ?? ''));
  } catch {
    return [];
  }
}
