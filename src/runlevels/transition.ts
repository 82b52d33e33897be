/**
 * What a runlevel switch does: stop what the new level does not want
 * (in stop order), then start what it wants and is not running yet (in
 * dependency order). 0 stops everything; 6 stops everything and then comes
 * back up as a boot would: the boot level S, then the default level.
 *
 * The boot level S (Debian's rcS.d) stays in effect in every level from 1 to
 * 5: its units are never stopped by a switch between those levels. Entering 1
 * (single user, which `init S` also means) starts again any boot unit that is
 * not up; entering 2-5 never runs them.
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
  /** Whether a unit is on in the boot level S. */
  isBoot?: (name: string) => boolean;
  /** The level a reboot (6) comes back up in. */
  defaultLevel: number;
  facilities?: PlanOptions['facilities'];
}

export interface Transition {
  target: number;
  /** The level in effect once the switch completes (6 ends in the default level). */
  finalLevel: number;
  stop: Plan;
  /** Boot-level units started before the level's own (on 1 and on a reboot). */
  boot: Plan;
  start: Plan;
}

export function planTransition(input: TransitionInput): Transition {
  const running = new Set(input.running);
  const names = input.units.map((u) => u.name);
  const facilities = input.facilities ? { facilities: input.facilities } : {};
  const bootNames = names.filter((n) => input.isBoot?.(n) === true);

  if (input.target === 0 || input.target === 6) {
    const stop = planStop(input.units, [...running], facilities);
    if (input.target === 0) {
      return { target: 0, finalLevel: 0, stop, boot: planStart(input.units, [], facilities), start: planStart(input.units, [], facilities) };
    }
    const boot = planStart(input.units, bootNames, facilities);
    const wanted = names.filter((n) => input.isEnabled(n, input.defaultLevel));
    const start = planStart(input.units, wanted, { ...facilities, running: bootNames });
    return { target: 6, finalLevel: input.defaultLevel, stop, boot, start };
  }

  const wanted = names.filter((n) => input.isEnabled(n, input.target));
  // Plan the start against nothing running to learn which requirements get pulled in:
  // those must not be stopped either.
  const full = planStart(input.units, wanted, { ...facilities, running: bootNames });
  const keep = new Set([...wanted, ...full.pulledIn, ...bootNames]);
  const stopping = [...running].filter((n) => !keep.has(n));
  const stop = planStop(input.units, stopping, facilities);
  const stillRunning = [...running].filter((n) => keep.has(n));
  const boot = planStart(input.units, input.target === 1 ? bootNames : [], { ...facilities, running: stillRunning });
  const start = planStart(input.units, wanted, { ...facilities, running: [...new Set([...stillRunning, ...bootNames])] });
  return { target: input.target, finalLevel: input.target, stop, boot, start };
}

export interface TransitionReport {
  transition: Transition;
  stop: RunReport;
  /** The boot phase and the level's own starts, one after the other, as one report. */
  start: RunReport;
}

/** Runs a transition: the whole stop phase, then the boot phase, then the level's starts. */
export async function runTransition(
  transition: Transition,
  actions: { start: (name: string) => Promise<void>; stop: (name: string) => Promise<void> },
  opts: RunOptions = {},
): Promise<TransitionReport> {
  const stop = await runPlan(transition.stop, actions.stop, opts);
  const boot = await runPlan(transition.boot, actions.start, opts);
  const start = await runPlan(transition.start, actions.start, opts);
  return { transition, stop, start: joinReports(boot, start) };
}

/** Two phases run one after the other, as one report (for `hearth analyze` and the switch's answer). */
export function joinReports(first: RunReport, second: RunReport): RunReport {
  if (first.units.length === 0) return second;
  return {
    kind: second.kind,
    startedAt: first.startedAt,
    finishedAt: second.finishedAt,
    units: [...first.units, ...second.units],
    cycles: [...first.cycles, ...second.cycles],
  };
}
