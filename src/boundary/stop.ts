import type { KillMode } from '../model/index.js';
import { realClock, type Clock } from './clock.js';
import { pidAlive, signalPid } from './process-group.js';
import type { ProcessBoundary } from './types.js';

export interface StopOptions {
  /** The unit's stop signal (stop_signal, KillSignal=). */
  signal: NodeJS.Signals;
  /** How long the processes get to end by themselves before SIGKILL (stop_timeout). */
  timeoutMs: number;
  clock?: Clock;
  /** Told when the timeout passed and SIGKILL was sent, so the caller can log it. */
  onEscalate?(): void;
  /**
   * Whether the stop signal still has to be sent. False when the caller has
   * already signalled (or the processes are ending by themselves) and only
   * the escalation and the wait are wanted.
   */
  sendSignal?: boolean;
  /**
   * systemd's KillMode: "control-group" (default) signals every process;
   * "mixed" sends the stop signal to the main process only and SIGKILL to all;
   * "process" stops the main process only and leaves the rest running.
   */
  killMode?: KillMode;
  /** The main process, for "mixed" and "process". */
  mainPid?: number | null;
}

/** How a stop ended: nothing was running, the processes ended, or SIGKILL was needed. */
export type StopOutcome = 'empty' | 'stopped' | 'killed';

export interface StopHandle {
  /** Resolves once no process of the boundary is left. */
  readonly done: Promise<StopOutcome>;
  /** Stops waiting and disarms the escalation (the processes are left as they are). */
  cancel(): void;
}

/**
 * The one stop path every kind of unit uses: the stop signal to every process
 * of the unit, SIGKILL to whatever is left after the timeout, and done only
 * when the boundary is empty.
 */
export function stopProcesses(whole: ProcessBoundary, options: StopOptions): StopHandle {
  const clock = options.clock ?? realClock;
  const main = options.mainPid ?? null;
  const mode = main === null ? 'control-group' : (options.killMode ?? 'control-group');
  // "process": the stop is about the main process alone.
  const boundary = mode === 'process' && main !== null ? mainOnly(main, whole) : whole;
  let escalation: unknown;
  let cancelWait: (() => void) | undefined;
  let killed = false;
  let settled = false;
  const done = new Promise<StopOutcome>((resolve) => {
    if (boundary.isEmpty()) {
      settled = true;
      resolve('empty');
      return;
    }
    if (options.sendSignal !== false) {
      if (mode === 'control-group') boundary.signal(options.signal);
      else signalPid(main!, options.signal);
    }
    escalation = clock.setTimeout(() => {
      escalation = undefined;
      if (settled || boundary.isEmpty()) return;
      killed = true;
      boundary.kill();
      options.onEscalate?.();
    }, options.timeoutMs);
    cancelWait = boundary.whenEmpty(() => {
      settled = true;
      if (escalation !== undefined) clock.clearTimeout(escalation);
      resolve(killed ? 'killed' : 'stopped');
    });
  });
  return {
    done,
    cancel: () => {
      settled = true;
      if (escalation !== undefined) clock.clearTimeout(escalation);
      cancelWait?.();
    },
  };
}

/** The main process as a boundary of its own (KillMode "process"). */
function mainOnly(pid: number, whole: ProcessBoundary): ProcessBoundary {
  return {
    description: `pid ${pid} of ${whole.description}`,
    signal: (signal) => signalPid(pid, signal),
    kill: () => void signalPid(pid, 'SIGKILL'),
    isEmpty: () => !pidAlive(pid),
    whenEmpty: (onEmpty) => {
      const timer = setInterval(() => {
        if (pidAlive(pid)) return;
        clearInterval(timer);
        onEmpty();
      }, 20);
      return () => clearInterval(timer);
    },
  };
}
