import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  /** Start time in clock ticks since boot: with pid, a process's identity. */
  startTime: number;
  utimeTicks: number;
  stimeTicks: number;
  rssPages: number;
}

/** Parses /proc/PID/stat; the command name may contain spaces and parens, so split after the last ')'. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state) of proc(5).
  return {
    pid,
    state: f[0]!,
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    utimeTicks: Number(f[11]),
    stimeTicks: Number(f[12]),
    startTime: Number(f[19]),
    rssPages: Number(f[21]),
  };
}

/**
 * True while a live process is in the group. kill(-pgid, 0) also counts
 * zombies, and an orphaned member's zombie lingers until PID 1 reaps it
 * (which some container inits never do), so a positive answer is confirmed
 * by scanning /proc for a member that is not a zombie.
 */
export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const stat = readProcStat(Number(entry));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') return true;
  }
  return false;
}
