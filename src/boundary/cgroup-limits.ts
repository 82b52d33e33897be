import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HearthError } from '../errors/index.js';
import type { LimitKey, LimitSupport, ResourceLimits } from '../model/index.js';
import type { CgroupLocations, V1Controller } from './cgroup-mounts.js';
import type { CgroupTree } from './cgroup-tree.js';

const CPU_PERIOD_US = 100_000;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Which limits this host can enforce, from what it offers: the controllers
 * cgroup v2 makes available here, else the v1 hierarchies of a hybrid host.
 * Reads only, so `hearth check` and hearthd answer alike on the same host.
 */
export function limitSupport(locations: CgroupLocations, trackingOff?: string): LimitSupport {
  const no = (why: string) => ({ ok: false as const, why });
  if (trackingOff) {
    const all = no(trackingOff);
    return { memory_max: all, memory_high: all, tasks_max: all, cpu_weight: all, cpu_max: all, io_weight: all };
  }
  const v2 = new Set((locations.v2 ? (readText(join(locations.v2, 'cgroup.controllers')) ?? '') : '').trim().split(/\s+/).filter(Boolean));
  const v1 = locations.v1;
  const pick = (v2name: string, v1name: keyof CgroupLocations['v1'], v2file: string, v1file: string, missing: string) => {
    if (locations.v2 && v2.has(v2name)) return { ok: true as const, via: `cgroup v2 ${v2file}` };
    if (v1[v1name] && (v1name !== 'blkio' || existsSync(join(v1[v1name]!, v1file)))) return { ok: true as const, via: `cgroup v1 ${v1file}` };
    return no(missing);
  };
  const memoryHigh =
    locations.v2 && v2.has('memory')
      ? { ok: true as const, via: 'cgroup v2 memory.high' }
      : no(v1.memory ? 'memory_high needs the cgroup v2 memory controller; this host has it only in cgroup v1 (memory_max works here)' : 'the host offers no memory controller');
  return {
    memory_max: pick('memory', 'memory', 'memory.max', 'memory.limit_in_bytes', 'the host offers no memory controller'),
    memory_high: memoryHigh,
    tasks_max: pick('pids', 'pids', 'pids.max', 'pids.max', 'the host offers no pids controller'),
    cpu_weight: pick('cpu', 'cpu', 'cpu.weight', 'cpu.shares', 'the host offers no cpu controller'),
    cpu_max: pick('cpu', 'cpu', 'cpu.max', 'cpu.cfs_quota_us', 'the host offers no cpu controller'),
    io_weight: pick('io', 'blkio', 'io.weight', 'blkio.weight', 'the host offers no io weight (cgroup v2 io, or v1 blkio.weight)'),
  };
}

/**
 * Whether a cgroup file already holds a value, as the kernel reads it back. A
 * fresh cgroup holds every default, so starting a unit without limits costs no
 * writes (v1 cpu.cfs_period_us and cpu.cfs_quota_us take half a millisecond
 * each here, which made the cold start of 100 services 3x slower).
 */
function alreadySet(path: string, value: string): boolean {
  const now = readText(path)?.trim();
  if (now === undefined) return false;
  if (now === value) return true;
  // v1 memory.limit_in_bytes reads "unlimited" (-1) back as the largest page-aligned number.
  return value === '-1' && /^\d{19}$/.test(now) && BigInt(now) >= 2n ** 62n;
}

/**
 * The v1 hierarchies a unit's processes join on a hybrid host: only those its
 * limits need. Each one is a move the kernel makes per started process, and a
 * move may wait for an RCU grace period (docs/services.md); a unit outside v1
 * memory has its memory summed from /proc instead.
 */
export function v1HierarchiesFor(limits: ResourceLimits): V1Controller[] {
  const wanted: V1Controller[] = [];
  if (limits.memoryMax !== undefined || limits.memoryHigh !== undefined) wanted.push('memory');
  if (limits.tasksMax !== undefined) wanted.push('pids');
  if (limits.cpuWeight !== undefined || limits.cpuMaxPercent !== undefined) wanted.push('cpu');
  if (limits.ioWeight !== undefined) wanted.push('blkio');
  return wanted;
}

/**
 * Every limit set (an unset one to its default), so a changed definition also
 * lifts limits; values already in place are not written again. On a hybrid
 * host only the v1 hierarchies in `v1InUse` are touched: the unit's processes
 * are in no other.
 */
export function applyLimits(tree: CgroupTree, unit: string, limits: ResourceLimits, v1InUse: readonly V1Controller[] = v1HierarchiesFor(limits)): void {
  const v2 = tree.dir(unit);
  const write = (dir: string | undefined, file: string, value: string, key: LimitKey, needed: boolean) => {
    if (dir === undefined) {
      if (needed) throw new HearthError('ERR_SPAWN', `cannot apply "${key}" to "${unit}": no cgroup controller for it`);
      return;
    }
    if (alreadySet(join(dir, file), value)) return;
    try {
      writeFileSync(join(dir, file), value);
    } catch (e) {
      if (needed) throw new HearthError('ERR_SPAWN', `cannot apply "${key}" to "${unit}": writing ${value} to ${join(dir, file)} failed: ${(e as Error).message}`);
    }
  };
  const has = (c: string) => tree.v2Controllers.has(c);
  const v1 = (c: V1Controller) => (v1InUse.includes(c) ? tree.v1Dir(c, unit) : undefined);
  const max = (n: number | undefined) => (n === undefined ? 'max' : String(n));

  if (has('memory')) {
    write(v2, 'memory.max', max(limits.memoryMax), 'memory_max', limits.memoryMax !== undefined);
    write(v2, 'memory.high', max(limits.memoryHigh), 'memory_high', limits.memoryHigh !== undefined);
  } else {
    write(v1('memory'), 'memory.limit_in_bytes', limits.memoryMax === undefined ? '-1' : String(limits.memoryMax), 'memory_max', limits.memoryMax !== undefined);
    if (limits.memoryHigh !== undefined) write(undefined, '', '', 'memory_high', true);
  }
  if (has('pids')) write(v2, 'pids.max', max(limits.tasksMax), 'tasks_max', limits.tasksMax !== undefined);
  else write(v1('pids'), 'pids.max', max(limits.tasksMax), 'tasks_max', limits.tasksMax !== undefined);

  const quota = limits.cpuMaxPercent === undefined ? undefined : Math.round((limits.cpuMaxPercent / 100) * CPU_PERIOD_US);
  if (has('cpu')) {
    write(v2, 'cpu.weight', String(limits.cpuWeight ?? 100), 'cpu_weight', limits.cpuWeight !== undefined);
    write(v2, 'cpu.max', `${max(quota)} ${CPU_PERIOD_US}`, 'cpu_max', quota !== undefined);
  } else {
    // cpu.shares is 1024 for the default weight 100.
    const shares = Math.max(2, Math.round(((limits.cpuWeight ?? 100) * 1024) / 100));
    write(v1('cpu'), 'cpu.shares', String(shares), 'cpu_weight', limits.cpuWeight !== undefined);
    write(v1('cpu'), 'cpu.cfs_period_us', String(CPU_PERIOD_US), 'cpu_max', quota !== undefined);
    write(v1('cpu'), 'cpu.cfs_quota_us', quota === undefined ? '-1' : String(quota), 'cpu_max', quota !== undefined);
  }
  if (has('io')) write(v2, 'io.weight', `default ${limits.ioWeight ?? 100}`, 'io_weight', limits.ioWeight !== undefined);
  else {
    // blkio.weight runs from 10 to 1000 where io.weight runs from 1 to 10000.
    const w = Math.min(1000, Math.max(10, Math.round((limits.ioWeight ?? 100) * 5)));
    write(v1('blkio'), 'blkio.weight', String(w), 'io_weight', limits.ioWeight !== undefined);
  }
}
