/**
 * Condition*= and Assert*= checked before a unit starts, by systemd's rules:
 * every plain check must hold, and of the "|" (triggering) checks at least
 * one; "!" negates. A failed condition skips the start quietly (the start
 * succeeds, the unit stays inactive); a failed assertion fails it. Checks
 * hearth cannot evaluate (listed as not enforced in the key table) count as
 * met. Virtualization= asks systemd-detect-virt when it is installed.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { CAPABILITIES, parseOsRelease, parseSize, type Condition, type HostFacts } from '../systemd/index.js';

export interface ConditionOutcome {
  ok: boolean;
  /** The first check that failed, as systemd names it: "ConditionPathExists=!/etc/ssh/sshd_not_to_be_run". */
  failed?: string;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function stat(path: string, link = false) {
  try {
    return link ? lstatSync(path) : statSync(path);
  } catch {
    return undefined;
  }
}

/** fnmatch(3) for one word: * ? and [...] classes. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Paths matching a glob, one directory level per pattern component. */
function globExists(pattern: string): boolean {
  const parts = pattern.split('/').filter(Boolean);
  let dirs = ['/'];
  for (const part of parts) {
    const next: string[] = [];
    const magic = /[*?[]/.test(part);
    for (const d of dirs) {
      if (!magic) {
        if (stat(join(d, part), true)) next.push(join(d, part));
        continue;
      }
      const re = globToRegExp(part);
      let entries: string[] = [];
      try {
        entries = readdirSync(d);
      } catch {
        // not a directory, or unreadable
      }
      for (const e of entries) if (re.test(e) && (e[0] !== '.' || part[0] === '.')) next.push(join(d, e));
    }
    dirs = next;
    if (dirs.length === 0) return false;
  }
  return true;
}

interface Mount {
  point: string;
  options: string[];
}

function mounts(): Mount[] {
  return read('/proc/self/mountinfo')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const f = l.split(' ');
      return { point: f[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), options: f[5]!.split(',') };
    });
}

function mountOf(path: string): Mount | undefined {
  let best: Mount | undefined;
  for (const m of mounts()) {
    if ((path === m.point || path.startsWith(m.point === '/' ? '/' : `${m.point}/`)) && (!best || m.point.length >= best.point.length)) best = m;
  }
  return best;
}

/** Compares with systemd's operators (<= >= = != < >), as numbers or, for versions, segment by segment. */
function compare(parameter: string, actual: string | number, version = false): boolean {
  const m = /^\s*(<=|>=|!=|=|<|>)?\s*(.*)$/.exec(parameter)!;
  const op = m[1] ?? '=';
  const want = m[2]!.trim();
  let cmp: number;
  if (typeof actual === 'number') {
    const n = parseSize(want, 1024) ?? Number(want);
    if (!Number.isFinite(n)) return false;
    cmp = actual === n ? 0 : actual < n ? -1 : 1;
  } else if (version) cmp = compareVersions(actual, want);
  else {
    if (!m[1]) return globToRegExp(want).test(actual);
    cmp = actual === want ? 0 : actual < want ? -1 : 1;
  }
  return { '<=': cmp <= 0, '>=': cmp >= 0, '!=': cmp !== 0, '=': cmp === 0, '<': cmp < 0, '>': cmp > 0 }[op] ?? false;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isFinite(nx) && Number.isFinite(ny) && x !== '' && y !== '' ? nx - ny : x.localeCompare(y);
    if (c !== 0) return c < 0 ? -1 : 1;
  }
  return 0;
}

let virtualization: { vm: string; container: string } | undefined;
/** systemd-detect-virt's answer ("none" when there is none), or hearth's own look when it is not installed. */
function detectVirtualization(): { vm: string; container: string } {
  if (virtualization) return virtualization;
  const ask = (flag: string) => {
    const r = spawnSync('systemd-detect-virt', [flag], { encoding: 'utf8', timeout: 5000 });
    return r.error ? undefined : r.stdout.trim() || 'none';
  };
  const container =
    ask('--container') ??
    (stat('/.dockerenv') ? 'docker' : stat('/run/.containerenv') ? 'podman' : /(^|\0)container=([^\0]+)/.exec(read('/proc/1/environ'))?.[2] ?? 'none');
  const vm = ask('--vm') ?? (/hypervisor/.test(read('/proc/cpuinfo')) ? 'vm-other' : 'none');
  virtualization = { vm, container };
  return virtualization;
}

function virtualizationMatches(parameter: string): boolean {
  const v = detectVirtualization();
  const any = v.container !== 'none' ? v.container : v.vm;
  const yes = ['yes', 'true', 'on', '1'].includes(parameter);
  const no = ['no', 'false', 'off', '0'].includes(parameter);
  if (yes || no) return (any !== 'none') === yes;
  if (parameter === 'vm') return v.vm !== 'none';
  if (parameter === 'container') return v.container !== 'none';
  if (parameter === 'private-users') return read('/proc/self/uid_map').trim().split(/\s+/).join(' ') !== '0 0 4294967295';
  return parameter === v.vm || parameter === v.container;
}

function onAcPower(): boolean {
  let mains = 0;
  let online = 0;
  try {
    for (const s of readdirSync('/sys/class/power_supply')) {
      if (read(`/sys/class/power_supply/${s}/type`).trim() !== 'Mains') continue;
      mains++;
      if (read(`/sys/class/power_supply/${s}/online`).trim() === '1') online++;
    }
  } catch {
    // no power supply class: a server or container, counted as on AC as systemd does
  }
  return mains === 0 || online > 0;
}

function capabilityBound(name: string): boolean {
  const index = CAPABILITIES.indexOf(name.toLowerCase());
  const bnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(read('/proc/self/status'))?.[1];
  return index >= 0 && bnd !== undefined && (BigInt(`0x${bnd}`) & (1n << BigInt(index))) !== 0n;
}

function check(c: Condition, host: HostFacts): boolean {
  const p = c.parameter;
  switch (c.type) {
    case 'PathExists':
      return stat(p) !== undefined || stat(p, true) !== undefined;
    case 'PathExistsGlob':
      return globExists(p);
    case 'PathIsDirectory':
      return stat(p)?.isDirectory() === true;
    case 'PathIsSymbolicLink':
      return stat(p, true)?.isSymbolicLink() === true;
    case 'PathIsMountPoint':
      return mounts().some((m) => m.point === p.replace(/\/+$/, '') || (p === '/' && m.point === '/'));
    case 'PathIsReadWrite':
      return stat(p) !== undefined && mountOf(p)?.options.includes('rw') === true;
    case 'DirectoryNotEmpty':
      try {
        return readdirSync(p).some((e) => !e.startsWith('.'));
      } catch {
        return false;
      }
    case 'FileNotEmpty': {
      const st = stat(p);
      return st?.isFile() === true && st.size > 0;
    }
    case 'FileIsExecutable': {
      const st = stat(p);
      if (st?.isFile() !== true) return false;
      try {
        accessSync(p, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    }
    case 'Virtualization':
      return virtualizationMatches(p);
    case 'Host':
      return p === host.machineId || globToRegExp(p).test(os.hostname());
    case 'KernelCommandLine': {
      const words = read('/proc/cmdline').trim().split(/\s+/);
      return p.includes('=') ? words.includes(p) : words.some((w) => w === p || w.startsWith(`${p}=`));
    }
    case 'KernelVersion':
      return p.split(/\s+(?=[<>=!])/).every((part) => compare(part, os.release(), true));
    case 'Architecture':
      return p === 'native' || p === host.architecture;
    case 'Environment':
      return p.includes('=') ? process.env[p.slice(0, p.indexOf('='))] === p.slice(p.indexOf('=') + 1) : process.env[p] !== undefined;
    case 'User':
      return p === '@system' ? (process.getuid?.() ?? 0) < 1000 : p === os.userInfo().username || p === String(process.getuid?.());
    case 'Group':
      return p === String(process.getgid?.()) || (process.getgroups?.() ?? []).map(String).includes(p) || (p === 'root' && process.getgid?.() === 0);
    case 'Capability':
      return capabilityBound(p);
    case 'ACPower':
      return onAcPower() === ['yes', 'true', 'on', '1'].includes(p);
    case 'FirstBoot':
      return (read('/etc/machine-id').trim() === '') === ['yes', 'true', 'on', '1'].includes(p);
    case 'OSRelease': {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|!=|=|<|>)\s*(.*)$/.exec(p);
      if (!m) return false;
      const release = { ...host.osRelease, ...parseOsRelease(read('/etc/os-release') || read('/usr/lib/os-release')) };
      return compare(`${m[2]}${m[3]}`, release[m[1]!] ?? '', true);
    }
    case 'Memory':
      return compare(p, os.totalmem());
    case 'CPUs':
      return compare(p, os.availableParallelism?.() ?? os.cpus().length);
    default:
      // Checks hearth cannot evaluate count as met (the key table says so for each).
      return true;
  }
}

/** Checks a unit's Condition*= (or Assert*=) entries. */
export function evaluateConditions(conditions: readonly Condition[], host: HostFacts, prefix: 'Condition' | 'Assert'): ConditionOutcome {
  const text = (c: Condition) => `${prefix}${c.type}=${c.trigger ? '|' : ''}${c.negate ? '!' : ''}${c.parameter}`;
  let triggers = 0;
  let triggered = false;
  let firstTrigger: string | undefined;
  for (const c of conditions) {
    const holds = check(c, host) !== c.negate;
    if (c.trigger) {
      triggers++;
      triggered ||= holds;
      firstTrigger ??= text(c);
    } else if (!holds) return { ok: false, failed: text(c) };
  }
  if (triggers > 0 && !triggered) return { ok: false, failed: firstTrigger! };
  return { ok: true };
}

/** For tests: forget the cached virtualization answer. */
export function forgetVirtualization(): void {
  virtualization = undefined;
}
