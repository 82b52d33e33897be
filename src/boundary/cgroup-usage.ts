import { readFileSync } from 'node:fs';
import { usageOfProcesses } from '../process/index.js';
import { cgroupPids, keyedValue } from './cgroup-boundary.js';
import type { CgroupTree } from './cgroup-tree.js';

export interface UnitUsage {
  memoryBytes: number;
  cpuSeconds: number;
  /** Processes in the unit. */
  tasks: number;
}

function readNumber(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** "key value" lines (cpu.stat, memory.events, memory.oom_control). */
function readKeyed(path: string, key: string): number | undefined {
  try {
    return keyedValue(readFileSync(path, 'utf8'), key);
  } catch {
    return undefined;
  }
}

/**
 * A whole unit's memory, CPU and task count, from the cgroup controllers
 * where they exist (v2, else the v1 memory hierarchy of a hybrid host when
 * the unit is in it: `inV1Memory`), else summed over its processes from /proc.
 */
export function cgroupUsage(tree: CgroupTree, unit: string, inV1Memory: boolean): UnitUsage {
  const dir = tree.dir(unit);
  const pids = cgroupPids(dir);
  const memDir = tree.v2Controllers.has('memory') ? dir : inV1Memory ? tree.v1Dir('memory', unit) : undefined;
  const memory = tree.v2Controllers.has('memory')
    ? readNumber(`${dir}/memory.current`)
    : memDir !== undefined
      ? readNumber(`${memDir}/memory.usage_in_bytes`)
      : undefined;
  // cpu.stat's usage_usec is kept by cgroup v2 even without the cpu controller.
  const usec = readKeyed(`${dir}/cpu.stat`, 'usage_usec') ?? 0;
  // Without a memory controller counting the unit, its processes' RSS.
  return { memoryBytes: memory ?? usageOfProcesses(pids).memoryBytes, cpuSeconds: usec / 1e6, tasks: pids.length };
}

/** How many times the kernel's OOM killer has killed a process of the unit (0 where no memory cgroup holds it). */
export function cgroupOomKills(tree: CgroupTree, unit: string, inV1Memory: boolean): number {
  if (tree.v2Controllers.has('memory')) return readKeyed(`${tree.dir(unit)}/memory.events`, 'oom_kill') ?? 0;
  const v1 = inV1Memory ? tree.v1Dir('memory', unit) : undefined;
  return v1 === undefined ? 0 : (readKeyed(`${v1}/memory.oom_control`, 'oom_kill') ?? 0);
}
