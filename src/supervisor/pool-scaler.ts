import type { PoolSettings } from '../model/index.js';

/** What the pool looks like at one sampling instant. */
export interface PoolSample {
  now: number;
  /** Workers alive and not being stopped (starting ones included). */
  workers: number;
  /** Of those, still starting. */
  starting: number;
  /** Ready workers that used no CPU since the last sample. */
  idle: number;
  /** Connections waiting in the listen sockets' accept queues. */
  queued: number;
}

/** Start this many workers, retire this many idle ones (at most one at a time), or nothing. */
export type ScaleDecision = { grow: number } | { shrink: number } | null;

/** Apache's prefork never spawns more than this many children per second-long tick; ours ticks faster. */
const MAX_GROW_STEP = 32;

/**
 * Apache prefork's spare-server rules, plus a signal Apache does not have:
 * hearthd owns the listening socket, so a backed-up accept queue means the
 * workers cannot keep up even when they look idle (blocked on I/O).
 * Growth doubles its step while the need persists (1, 2, 4, …); shrinking
 * waits until there have been too many idle workers for idleTimeoutMs and
 * then retires one per tick. Pure: the runner samples, this decides.
 */
export class PoolScaler {
  private growStep = 1;
  private overSpareSince: number | undefined;

  constructor(private readonly settings: PoolSettings) {}

  decide(s: PoolSample): ScaleDecision {
    const p = this.settings;
    if (s.workers < p.minWorkers) return { grow: p.minWorkers - s.workers };
    const room = p.maxWorkers - s.workers;
    const needsMore = s.queued > 0 || s.idle + s.starting < p.minSpare;
    if (needsMore && room > 0 && s.starting === 0) {
      this.overSpareSince = undefined;
      const wanted = Math.max(this.growStep, p.minSpare - s.idle);
      this.growStep = Math.min(this.growStep * 2, MAX_GROW_STEP);
      return { grow: Math.min(wanted, room) };
    }
    if (!needsMore) this.growStep = 1;
    if (s.idle > p.maxSpare && s.queued === 0 && s.workers > p.minWorkers) {
      this.overSpareSince ??= s.now;
      if (s.now - this.overSpareSince >= p.idleTimeoutMs) return { shrink: 1 };
      return null;
    }
    this.overSpareSince = undefined;
    return null;
  }
}
