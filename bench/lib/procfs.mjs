// Reading /proc about processes that may vanish at any moment: every reader returns
// an empty or NaN answer for a process that is gone instead of throwing.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** The sleep argument that tags the supervised processes of this run. */
export const MARK = String(424200 + Math.floor(Math.random() * 999));

function readProc(path) {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null; // the process is gone
  }
}

/**
 * The process runs the tagged sleep itself. Only the exact command counts: a wrapper
 * whose arguments end with it (hearth-cgexec … -- /bin/sleep MARK, before it has joined
 * the cgroups and exec'd) has not started the service yet.
 */
function isSleepCommand(cmd) {
  return cmd === `sleep\0${MARK}\0` || cmd === `/bin/sleep\0${MARK}\0`;
}

export function isOurSleep(pid) {
  return isSleepCommand(readProc(`/proc/${pid}/cmdline`));
}

export function ourSleeps() {
  const pids = [];
  for (const e of readdirSync('/proc')) {
    if (/^\d+$/.test(e) && isSleepCommand(readProc(`/proc/${e}/cmdline`))) pids.push(Number(e));
  }
  return pids;
}

/** Processes whose working directory is under `dir` (s6-supervise runs in its service's directory). */
export function processesIn(dir) {
  const pids = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readlinkSync(`/proc/${e}/cwd`).startsWith(`${dir}/`)) pids.push(Number(e));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** RSS and PSS in MiB (NaN when the process is gone). */
export function memory(pid) {
  const status = readProc(`/proc/${pid}/status`) ?? '';
  const rollup = readProc(`/proc/${pid}/smaps_rollup`) ?? '';
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
  const pss = Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? NaN) / 1024;
  return { rss, pss };
}

/** The command names of other processes mapping the same executable: they share its pages and flatter PSS. */
export function sharersOf(pid) {
  const exe = readProc(`/proc/${pid}/stat`) && safeReadlink(`/proc/${pid}/exe`);
  if (!exe) return [];
  const others = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === pid) continue;
    if (safeReadlink(`/proc/${e}/exe`) === exe) others.push(Number(e));
  }
  return others;
}

function safeReadlink(path) {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

function statFields(pid) {
  const s = readProc(`/proc/${pid}/stat`);
  return s ? s.slice(s.lastIndexOf(')') + 2).split(' ') : null;
}

export function ppid(pid) {
  return Number(statFields(pid)?.[1] ?? NaN);
}

/** user + system CPU ticks (1/100 s) of a process, NaN when it is gone. */
export function cpuTicks(pid) {
  const f = statFields(pid);
  return f ? Number(f[11]) + Number(f[12]) : NaN;
}

/** Ticks of a process and of its children it has reaped (what a short-lived helper cost it). */
export function cpuTicksWithReaped(pid) {
  const f = statFields(pid);
  return f ? Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) : NaN;
}

export function children(pid) {
  return (readProc(`/proc/${pid}/task/${pid}/children`) ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
}

export function descendants(pid) {
  const all = [];
  const queue = [pid];
  while (queue.length) {
    for (const c of children(queue.shift())) (all.push(c), queue.push(c));
  }
  return all;
}

export function openFds(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}
