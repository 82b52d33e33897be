import type { RestartBackoff, RestartPolicy } from '../model/index.js';

export type RestartDecision =
  | { action: 'none' }
  | { action: 'restart'; delayMs: number }
  /** Too many starts in the burst window: give up for coolDownMs, then try again. */
  | { action: 'fail'; retryInMs: number };

/**
 * Decides what happens after a service's main process ends on its own.
 * Pure state, no timers: the runner owns the clock, which keeps this testable.
 *
 * The first restart after a crash is immediate (services that die once should
 * be back in milliseconds); a second crash in a row waits initialDelayMs, and
 * each further one waits `multiplier` times longer up to maxDelayMs. Running for
 * stableAfterMs forgets the streak. Like systemd's start limit, more than `burst`
 * starts within burstIntervalMs mark the service failed — but unlike systemd it
 * is retried after a cool-down instead of being abandoned until someone notices.
 */
export class RestartTracker {
  private streak = 0;
  private starts: number[] = [];

  constructor(private backoff: RestartBackoff) {}

  /** A reload changed the backoff settings: the streak and the starts so far still count. */
  setBackoff(backoff: RestartBackoff): void {
    this.backoff = backoff;
  }

  recordStart(now: number): void {
    this.starts.push(now);
    const horizon = now - this.backoff.burstIntervalMs;
    while (this.starts.length > 0 && this.starts[0]! < horizon) this.starts.shift();
  }

  reset(): void {
    this.streak = 0;
    this.starts = [];
  }

  decide(policy: RestartPolicy, exit: { code: number | null; signal: string | null }, ranForMs: number, now: number): RestartDecision {
    const clean = exit.code === 0 && exit.signal === null;
    if (policy === 'never' || (policy === 'on-failure' && clean)) return { action: 'none' };
    if (ranForMs >= this.backoff.stableAfterMs) this.streak = 0;
    const horizon = now - this.backoff.burstIntervalMs;
    const recentStarts = this.starts.filter((t) => t >= horizon).length;
    if (recentStarts >= this.backoff.burst) {
      this.streak = 0;
      this.starts = [];
      return { action: 'fail', retryInMs: this.backoff.coolDownMs };
    }
    const delayMs =
      this.streak === 0
        ? 0
        : Math.min(this.backoff.maxDelayMs, this.backoff.initialDelayMs * this.backoff.multiplier ** (this.streak - 1));
    this.streak++;
    return { action: 'restart', delayMs };
  }
}
