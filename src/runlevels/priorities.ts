/**
 * S##/K## numbers for services whose header gives none, computed from LSB
 * dependencies the way chkconfig does it: start at 50, then each service
 * starts one after (and stops one before) every dependency that is enabled
 * in at least the same levels, repeated until nothing moves. Numbers stay
 * within 0..99, so the loop ends.
 */
import type { EnablementUnit } from './enablement.js';
import type { LevelFlags } from './levels.js';

export interface Priorities {
  start: number;
  stop: number;
}

const DEFAULT_PRIORITY = 50;

/** Whether chkconfig would recompute this unit's numbers (it has an LSB block). */
export function isLsb(u: EnablementUnit): boolean {
  return (
    u.requiredStart !== undefined ||
    u.shouldStart !== undefined ||
    u.requiredStop !== undefined ||
    u.shouldStop !== undefined
  );
}

/** chkconfig's "similarly configured": every level `a` is on in, `b` is on in too. */
function similarlyConfigured(a: LevelFlags | null, b: LevelFlags | null): boolean {
  const fa = a ?? [];
  const fb = b ?? [];
  for (let l = 0; l < 7; l++) if (fa[l] && !fb[l]) return false;
  return true;
}

function matches(dep: string, u: EnablementUnit): boolean {
  return dep === u.name || (u.provides?.includes(dep) ?? false);
}

/**
 * @param units every service in the tree
 * @param levelsOf current on/off per service (for the service being changed, its desired state)
 */
export function computePriorities(
  units: readonly EnablementUnit[],
  levelsOf: (name: string) => LevelFlags | null,
): Map<string, Priorities> {
  const pri = new Map<string, Priorities>();
  for (const u of units) {
    pri.set(u.name, { start: u.startPriority ?? DEFAULT_PRIORITY, stop: u.stopPriority ?? DEFAULT_PRIORITY });
  }
  const lsb = units.filter(isLsb);
  const levels = new Map(units.map((u) => [u.name, levelsOf(u.name)]));
  for (let round = 0; round < 200; round++) {
    let moved = false;
    for (const s of lsb) {
      const p = pri.get(s.name)!;
      const startDeps = [...(s.requiredStart ?? []), ...(s.shouldStart ?? [])];
      const stopDeps = [...(s.requiredStop ?? []), ...(s.shouldStop ?? [])];
      for (const other of units) {
        if (other.name === s.name) continue;
        if (!similarlyConfigured(levels.get(s.name) ?? null, levels.get(other.name) ?? null)) continue;
        const op = pri.get(other.name)!;
        if (startDeps.some((d) => matches(d, other)) && p.start <= op.start) {
          const next = Math.min(99, op.start + 1);
          if (next !== p.start) {
            p.start = next;
            moved = true;
          }
        }
        if (stopDeps.some((d) => matches(d, other)) && p.stop >= op.stop) {
          const next = Math.max(0, op.stop - 1);
          if (next !== p.stop) {
            p.stop = next;
            moved = true;
          }
        }
      }
    }
    if (!moved) break;
  }
  return pri;
}
