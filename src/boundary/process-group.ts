import { processGroupAlive, readProcStat } from '../process/index.js';
import { realClock, type Clock } from './clock.js';
import type { ProcessBoundary } from './types.js';

/** Sends a signal to a whole process group, ignoring "already gone". */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** A process that is gone or a zombie no longer runs anything. */
export function pidAlive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** How many empty-group polls pass between two scans of /proc for marked processes. */
const MARKER_SCAN_EVERY = 10;

/**
 * The processes of a unit as process groups: the group hearthd created when it
 * spawned the unit, plus (for a forking daemon that called setsid) the group
 * its main pid leads. This is the boundary on hosts without cgroups. With a
 * marker scan (processes whose environment names the unit), a process that
 * started a new session is found too; one that also cleared its environment
 * escapes.
 */
export class ProcessGroupBoundary implements ProcessBoundary {
  private readonly groups: number[];
  /** Marked processes seen by the last scan, until they die. */
  private marked: number[] = [];
  private polls = 0;

  constructor(
    groups: Array<number | null>,
    private readonly clock: Clock = realClock,
    private readonly pollMs = 20,
    private readonly scanMarked?: () => number[],
  ) {
    this.groups = [...new Set(groups.filter((g): g is number => g !== null && g > 0))];
  }

  get description(): string {
    return this.groups.length === 1 ? `process group ${this.groups[0]}` : `process groups ${this.groups.join(', ')}`;
  }

  signal(signal: NodeJS.Signals): boolean {
    let reached = false;
    for (const g of this.groups) {
      // A forking daemon's main pid may not lead a group: signal it directly too.
      if (signalGroup(g, signal) || signalPid(g, signal)) reached = true;
    }
    if (this.scanMarked) {
      this.marked = this.scanMarked();
      for (const pid of this.marked) if (signalPid(pid, signal)) reached = true;
    }
    return reached;
  }

  kill(): void {
    this.signal('SIGKILL');
  }

  isEmpty(): boolean {
    if (!this.groups.every((g) => !processGroupAlive(g) && !pidAlive(g))) return false;
    this.marked = this.marked.filter(pidAlive);
    // A fresh scan now and then, and always before saying "empty", finds what forked meanwhile.
    if (this.scanMarked && (this.marked.length === 0 || ++this.polls % MARKER_SCAN_EVERY === 0)) this.marked = this.scanMarked();
    return this.marked.length === 0;
  }

  whenEmpty(onEmpty: () => void): () => void {
    let handle: unknown;
    let cancelled = false;
    const check = () => {
      if (cancelled) return;
      if (this.isEmpty()) onEmpty();
      else handle = this.clock.setTimeout(check, this.pollMs);
    };
    check();
    return () => {
      cancelled = true;
      if (handle !== undefined) this.clock.clearTimeout(handle);
    };
  }
}

/** Polls a pid that is not our child (a forking daemon's, or an adopted one) until it dies. */
export function whenPidDies(pid: number, onDeath: () => void, intervalMs = 100): () => void {
  const startTime = readProcStat(pid)?.startTime;
  const timer = setInterval(() => {
    const stat = readProcStat(pid);
    // Same pid with another start time is a recycled pid: ours is gone.
    if (!stat || stat.state === 'Z' || stat.state === 'X' || stat.startTime !== startTime) {
      clearInterval(timer);
      onDeath();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
