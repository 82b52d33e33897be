/**
 * Asks running init scripts for their LSB `status` now and then, so hearth
 * notices a daemon that died behind its back. The cost is bounded whatever
 * the number of scripts: each is asked at most once per its interval, never
 * twice at once, at most `maxConcurrent` scripts run `status` together, and
 * launches are spaced so no more than `maxPerSecond` start in any second
 * (with many scripts the effective interval stretches instead).
 */
import type { Clock } from '../boundary/index.js';
import { realClock } from '../boundary/index.js';

export interface StatusWatchOptions {
  maxConcurrent?: number;
  maxPerSecond?: number;
  clock?: Clock;
  now?: () => number;
}

interface Entry {
  intervalMs: number;
  due: number;
  running: boolean;
}

export class StatusWatcher {
  private readonly entries = new Map<string, Entry>();
  private readonly maxConcurrent: number;
  private readonly spacingMs: number;
  private readonly clock: Clock;
  private readonly now: () => number;
  private inFlight = 0;
  private lastLaunch = -Infinity;
  private timer: unknown;
  private timerAt = Infinity;
  private closed = false;

  /** `check` runs one script's status and acts on it; it must not reject. */
  constructor(
    private readonly check: (name: string) => Promise<void>,
    opts: StatusWatchOptions = {},
  ) {
    this.maxConcurrent = Math.max(1, opts.maxConcurrent ?? 2);
    this.spacingMs = 1000 / Math.max(1, opts.maxPerSecond ?? 5);
    this.clock = opts.clock ?? realClock;
    this.now = opts.now ?? (() => this.clock.now());
  }

  /** Starts (or re-times) watching a unit: its first check comes one interval from now. */
  watch(name: string, intervalMs: number): void {
    if (this.closed) return;
    const had = this.entries.get(name);
    this.entries.set(name, { intervalMs, due: this.now() + intervalMs, running: had?.running ?? false });
    this.schedule();
  }

  unwatch(name: string): void {
    this.entries.delete(name);
  }

  /** Asks at once (e.g. when the unit's processes are seen gone), within the same limits. */
  checkSoon(name: string): void {
    const e = this.entries.get(name);
    if (!e) return;
    e.due = this.now();
    this.schedule();
  }

  isWatched(name: string): boolean {
    return this.entries.has(name);
  }

  close(): void {
    this.closed = true;
    this.entries.clear();
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.closed) return;
    let next = Infinity;
    for (const e of this.entries.values()) if (!e.running && e.due < next) next = e.due;
    if (next === Infinity) return;
    const at = Math.max(next, this.lastLaunch + this.spacingMs);
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - this.now()));
    (this.timer as { unref?: () => void }).unref?.();
  }

  private pump(): void {
    if (this.closed) return;
    const now = this.now();
    const due = [...this.entries].filter(([, e]) => !e.running && e.due <= now).sort(([, a], [, b]) => a.due - b.due);
    const pick = due[0];
    if (pick && this.inFlight < this.maxConcurrent && now >= this.lastLaunch + this.spacingMs) {
      const [name, e] = pick;
      e.running = true;
      this.inFlight++;
      this.lastLaunch = now;
      void this.check(name)
        .catch(() => undefined)
        .finally(() => {
          this.inFlight--;
          e.running = false;
          e.due = this.now() + e.intervalMs;
          this.schedule();
        });
    }
    this.schedule();
  }
}
