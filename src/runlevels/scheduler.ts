/**
 * Runs a plan: every unit whose dependencies are done is started at once, so
 * independent units run in parallel and a dependent begins only when its
 * dependencies are *ready* (the action's promise resolves on readiness, not
 * on spawn). Timestamps are kept for `hearth analyze`.
 */
import type { Plan } from './order.js';

export type UnitOutcome = 'done' | 'failed' | 'skipped';

export interface UnitTiming {
  name: string;
  outcome: UnitOutcome;
  /** ms since the epoch when the action began (absent when skipped). */
  startedAt?: number;
  /** When the action resolved (ready / stopped) or rejected. */
  finishedAt?: number;
  error?: string;
  /** The dependencies it waited for. */
  after: string[];
}

export interface RunReport {
  kind: 'start' | 'stop';
  startedAt: number;
  finishedAt: number;
  units: UnitTiming[];
  cycles: string[][];
}

export type SchedulerEvent =
  | { type: 'unit.begin'; name: string; at: number }
  | { type: 'unit.done'; name: string; at: number }
  | { type: 'unit.failed'; name: string; at: number; error: string }
  | { type: 'unit.skipped'; name: string; at: number; reason: string };

export interface RunOptions {
  /** At most this many actions at once (default: unlimited). */
  concurrency?: number;
  onEvent?: (e: SchedulerEvent) => void;
  /** Stop launching new actions once aborted; what is running finishes. */
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * @param action resolves when the unit is ready (start) or gone (stop); rejects on failure.
 * Never rejects itself: failures are reported per unit. In a stop plan every
 * dependency is soft, so one failed stop never holds the others back.
 */
export function runPlan(plan: Plan, action: (name: string) => Promise<void>, opts: RunOptions = {}): Promise<RunReport> {
  const now = opts.now ?? Date.now;
  const limit = opts.concurrency && opts.concurrency > 0 ? opts.concurrency : Infinity;
  const startedAt = now();
  const timings = new Map<string, UnitTiming>();
  const state = new Map<string, 'waiting' | 'running' | UnitOutcome>(plan.order.map((n) => [n, 'waiting']));
  let running = 0;
  let unsettled = plan.order.length;
  let waiting = [...plan.order];
  // An interactive script (X-Interactive) runs alone, as insserv makes it the only member of its group.
  const exclusive = new Set(plan.exclusive ?? []);
  let aloneRunning = false;

  return new Promise((resolve) => {
    const emit = (e: SchedulerEvent) => {
      try {
        opts.onEvent?.(e);
      } catch {
        // An observer's bug must not wedge the boot.
      }
    };

    const settle = () => {
      if (unsettled > 0) return false;
      resolve({
        kind: plan.kind,
        startedAt,
        finishedAt: now(),
        units: plan.order.map((n) => timings.get(n)!),
        cycles: plan.cycles,
      });
      return true;
    };

    // Each pump walks only the units still waiting (in plan order), and settling is a
    // counter: walking the whole plan and every state after each completion made a boot
    // of n services cost n² (10,000 services: seconds of hearthd's event loop).
    const pump = () => {
      let progressed = true;
      while (progressed) {
        progressed = false;
        const walk = waiting;
        waiting = [];
        for (const name of walk) {
          const deps = plan.deps[name] ?? [];
          const after = deps.map((d) => d.name);
          const blockedBy = deps.find((d) => d.hard && plan.kind === 'start' && (state.get(d.name) === 'failed' || state.get(d.name) === 'skipped'));
          if (blockedBy || opts.signal?.aborted) {
            const reason = blockedBy ? `dependency "${blockedBy.name}" ${state.get(blockedBy.name)}` : 'aborted';
            state.set(name, 'skipped');
            unsettled--;
            timings.set(name, { name, outcome: 'skipped', error: reason, after });
            emit({ type: 'unit.skipped', name, at: now(), reason });
            progressed = true;
            continue;
          }
          const ready = deps.every((d) => {
            const s = state.get(d.name);
            return s === 'done' || s === 'failed' || s === 'skipped';
          });
          if (!ready || running >= limit || aloneRunning || (exclusive.has(name) && running > 0)) {
            waiting.push(name);
            continue;
          }
          launch(name, after);
          progressed = true;
        }
      }
      settle();
    };

    const launch = (name: string, after: string[]) => {
      state.set(name, 'running');
      running++;
      if (exclusive.has(name)) aloneRunning = true;
      const begin = now();
      timings.set(name, { name, outcome: 'done', startedAt: begin, after });
      emit({ type: 'unit.begin', name, at: begin });
      let p: Promise<void>;
      try {
        p = Promise.resolve(action(name));
      } catch (e) {
        p = Promise.reject(e);
      }
      p.then(
        () => {
          const at = now();
          timings.set(name, { name, outcome: 'done', startedAt: begin, finishedAt: at, after });
          state.set(name, 'done');
          emit({ type: 'unit.done', name, at });
        },
        (e: unknown) => {
          const at = now();
          const error = e instanceof Error ? e.message : String(e);
          timings.set(name, { name, outcome: 'failed', startedAt: begin, finishedAt: at, error, after });
          state.set(name, 'failed');
          emit({ type: 'unit.failed', name, at, error });
        },
      ).finally(() => {
        running--;
        unsettled--;
        if (exclusive.has(name)) aloneRunning = false;
        pump();
      });
    };

    pump();
  });
}
