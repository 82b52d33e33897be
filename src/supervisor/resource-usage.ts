import { readdirSync } from 'node:fs';
import { readProcStat, usageOfProcesses } from '../process/index.js';

/**
 * Memory and CPU of a service: every process in its group (a daemon's workers
 * count too), or just the main pid when the group is not ours (forking daemons).
 * Scans /proc, so it is for `status`, not for `list` over 1000 services.
 */
export function resourceUsage(pid: number | null, pgid: number | null): { memoryBytes: number; cpuSeconds: number } | undefined {
  if (pgid !== null) {
    const members = readdirSync('/proc')
      .filter((entry) => entry.charCodeAt(0) >= 48 && entry.charCodeAt(0) <= 57)
      .map(Number)
      .filter((p) => readProcStat(p)?.pgrp === pgid);
    return usageOfProcesses(members);
  }
  if (pid === null || !readProcStat(pid)) return undefined;
  return usageOfProcesses([pid]);
}
