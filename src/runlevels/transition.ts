/**
 * What a runlevel switch does: stop what the new level does not want
 * (dependents first), then start what it wants and is not running yet (in
 * dependency order). 0 stops everything; 6 stops everything and then comes
 * back up in the default level, as a reboot would.
 */
import { planStart, planStop, type OrderUnit, type Plan, type PlanOptions } from './order.js';
import { runPlan, type RunOptions, type RunReport } from './scheduler.js';

export interface TransitionInput {
  units: readonly OrderUnit[];
  /** Names running now. */
  running: Iterable<string>;
  /** The level being entered (0-6). */
  target: number;
  /** Whether a unit is enabled in a level. */
  isEnabled: (name: string, level: number) => boolean;
  /** The level a reboot (6) comes back up in. */
  defaultLevel: number;
  facilities?: PlanOptions['facilities'];
}

export interface Transition {
  target: number;
  /** The level in effect once the switch completes (6 ends in the default level). */
  finalLevel: number;
  stop: Plan;
  start: Plan;
}

export function planTransition(input: TransitionInput): Transition {
  const running = new Set(input.running);
  const names = input.units.map((u) => u.name);
  const facilities = input.facilities ? { facilities: input.facilities } : {};

  if (input.target === 0 || input.target === 6) {
    const stop = planStop(input.units, [...running], facilities);
    const finalLevel = input.target === 0 ? 0 : input.defaultLevel;
    const start =
      input.target === 0
        ? planStart(input.units, [], facilities)
        : planStart(input.units, names.filter((n) => input.isEnabled(n, input.defaultLevel)), facilities);
    return { target: input.target, finalLevel, stop, start };
  }

  const wanted = names.filter((n) => input.isEnabled(n, input.target));
  // Plan the start against nothing running to learn which requirements get pulled in:
  // those must not be stopped either.
  const full = planStart(input.units, wanted, facilities);
  const keep = new Set([...wanted, ...full.pulledIn]);
  const stopping = [...running].filter((n) => !keep.has(n));
  const stop = planStop(input.units, stopping, facilities);
  const start = planStart(input.units, wanted, { ...facilities, running: [...running].filter((n) => keep.has(n)) });
  return { target: input.target, finalLevel: input.target, stop, start };
}

export interface TransitionReport {
  transition: Transition;
  stop: RunReport;
  start: RunReport;
}

/** Runs a transition: the whole stop phase, then the whole start phase. */
export async function runTransition(
  transition: Transition,
  actions: { start: (name: string) => Promise<void>; stop: (name: string) => Promise<void> },
  opts: RunOptions = {},
): Promise<TransitionReport> {
  const stop = await runPlan(transition.stop, actions.stop, opts);
  const start = await runPlan(transition.start, actions.start, opts);
  return { transition, stop, start };
}
