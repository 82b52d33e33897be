import { readdirSync } from 'node:fs';
import { readProcStat } from '../process/index.js';

const PAGE = 4096;
const TICKS = 100; // USER_HZ, fixed at 100 on Linux for /proc

/**
 * Memory and CPU of a service: every process in its group (a daemon's workers
 * count too), or just the main pid when the group is not ours (forking daemons).
 * Scans /proc, so it is for `status`, not for `list` over 1000 services.
 */
export function resourceUsage(pid: number | null, pgid: number | null): { memoryBytes: number; cpuSeconds: number } | undefined {
  if (pid === null && pgid === null) return undefined;
  let rss = 0;
  let ticks = 0;
  if (pgid !== null) {
    for (const entry of readdirSync('/proc')) {
      if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
      const stat = readProcStat(Number(entry));
      if (stat && stat.pgrp === pgid) {
        rss += stat.rssPages * PAGE;
        ticks += stat.utimeTicks + stat.stimeTicks;
      }
    }
  } else if (pid !== null) {
    const stat = readProcStat(pid);
    if (!stat) return undefined;
    rss = stat.rssPages * PAGE;
    ticks = stat.utimeTicks + stat.stimeTicks;
  }
  return { memoryBytes: rss, cpuSeconds: ticks / TICKS };
}

/** Memory and CPU of a set of processes (a pool's workers), each by its own pid. */
export function usageOfPids(pids: Iterable<number>): { memoryBytes: number; cpuSeconds: number } {
  let rss = 0;
  let ticks = 0;
  for (const pid of new Set(pids)) {
    const stat = readProcStat(pid);
    if (!stat) continue;
    rss += stat.rssPages * PAGE;
    ticks += stat.utimeTicks + stat.stimeTicks;
  }
  return { memoryBytes: rss, cpuSeconds: ticks / TICKS };
}
