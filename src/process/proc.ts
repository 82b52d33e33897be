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

/** /proc/PID/stat of a process, or undefined when it is gone. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return parseProcStat(pid, text);
}

/** The last field of /proc/PID/stat read here: 24, rss. */
const LAST_FIELD = 24;

/**
 * The fields hearth reads from a /proc/PID/stat line, numbered as in proc(5).
 * The command name (field 2) may contain spaces and parentheses, so fields
 * are counted from the last ")". Only the fields read become strings: this
 * runs for every process of every unit in `hearth list` and in every stop's
 * polls, where splitting the line made fifty strings each time.
 */
export function parseProcStat(pid: number, text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const starts: number[] = [];
  for (let field = 3, at = close + 2; field <= LAST_FIELD; field++) {
    if (at <= 0 || at >= text.length) return undefined;
    starts[field] = at;
    at = text.indexOf(' ', at) + 1;
  }
  const field = (n: number) => {
    const end = text.indexOf(' ', starts[n]);
    return text.slice(starts[n], end < 0 ? undefined : end);
  };
  return {
    pid,
    state: field(3),
    ppid: Number(field(4)),
    pgrp: Number(field(5)),
    utimeTicks: Number(field(14)),
    stimeTicks: Number(field(15)),
    startTime: Number(field(22)),
    rssPages: Number(field(LAST_FIELD)),
  };
}

/** Bytes per page in /proc/PID/stat's rss, and clock ticks per second in its times (USER_HZ, 100 on Linux). */
const PAGE_SIZE = 4096;
const TICKS_PER_SECOND = 100;

/** Memory (RSS) and CPU time of processes, each counted once; one already gone counts nothing. */
export function usageOfProcesses(pids: Iterable<number>): { memoryBytes: number; cpuSeconds: number } {
  let pages = 0;
  let ticks = 0;
  for (const pid of new Set(pids)) {
    const stat = readProcStat(pid);
    if (!stat) continue;
    pages += stat.rssPages;
    ticks += stat.utimeTicks + stat.stimeTicks;
  }
  return { memoryBytes: pages * PAGE_SIZE, cpuSeconds: ticks / TICKS_PER_SECOND };
}

/**
 * True while a live process is in the group. kill(-pgid, 0) also counts
 * zombies, and an orphaned member's zombie lingers until PID 1 reaps it
 * (which some container inits never do), so a positive answer is confirmed:
 * by the group's leader, alive in its own group (a service's main process
 * usually is) or a zombie of hearthd's own about to be reaped, or else by
 * the groups of all live processes in /proc.
 */
export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const leader = readProcStat(pgid);
  if (leader && leader.pgrp === pgid) {
    if (leader.state !== 'Z' && leader.state !== 'X') return true;
    // A zombie hearthd or its helper is about to reap (a mass stop makes thousands at once):
    // asked again at the next poll, when it is gone and the signal answers for the rest.
    if (leader.ppid === process.pid || readProcStat(leader.ppid)?.ppid === process.pid) return true;
  }
  // Without /proc nothing can be confirmed: alive, as the signal said.
  return liveGroups()?.has(pgid) ?? true;
}

/**
 * How long one scan of /proc answers for every group. A fleet stopping at
 * once polls thousands of groups whose leaders are zombies for a moment; a
 * scan of every process for each poll made such a stop cost the square of
 * the fleet. A group that had no live member at the scan cannot have gained
 * one since (only a live member forks into it), so a "no" from an older scan
 * stays true; a "yes" is asked again at the next poll.
 */
const GROUPS_SCAN_MS = 100;
let scanned: { at: number; groups: Set<number> } | undefined;

function liveGroups(): Set<number> | undefined {
  const now = performance.now();
  if (scanned && now - scanned.at < GROUPS_SCAN_MS) return scanned.groups;
  const groups = new Set<number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const stat = readProcStat(Number(entry));
    if (stat && stat.state !== 'Z' && stat.state !== 'X') groups.add(stat.pgrp);
  }
  scanned = { at: now, groups };
  return groups;
}
