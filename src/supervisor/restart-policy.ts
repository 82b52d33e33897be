import type { ExitSet, RestartBackoff, RestartPolicy } from '../model/index.js';

export type RestartDecision =
  | { action: 'none' }
  | { action: 'restart'; delayMs: number }
  /** Too many starts in the burst window: give up for retryInMs (null: until someone starts it), then try again. */
  | { action: 'fail'; retryInMs: number | null };

/** How a main process ended, as the restart policy needs it. */
export interface ExitFacts {
  code: number | null;
  signal: string | null;
  /** hearth ended it because it did not become ready (or ran past its maximum runtime) in time. */
  timedOut?: boolean;
}

/** Which exits count as clean, and which override the policy (systemd's exit status settings). */
export interface ExitRules {
  success?: ExitSet;
  prevent?: ExitSet;
  force?: ExitSet;
}

function inSet(set: ExitSet | undefined, exit: ExitFacts): boolean {
  if (!set) return false;
  return exit.signal !== null ? set.signals.includes(exit.signal) : exit.code !== null && set.codes.includes(exit.code);
}

/** Exit 0 (or a listed success status or signal), and not ended by hearth for taking too long. */
export function isCleanExit(exit: ExitFacts, success?: ExitSet): boolean {
  if (exit.timedOut) return false;
  if (exit.signal === null && exit.code === 0) return true;
  return inSet(success, exit);
}

/** Whether a policy asks for a restart after this exit, before the start limit is applied. */
export function policyWantsRestart(policy: RestartPolicy, exit: ExitFacts, rules: ExitRules = {}): boolean {
  if (inSet(rules.prevent, exit)) return false;
  if (inSet(rules.force, exit)) return true;
  const clean = isCleanExit(exit, rules.success);
  const uncleanSignal = exit.signal !== null && !clean;
  switch (policy) {
    case 'never':
    case 'on-watchdog':
      return false;
    case 'always':
      return true;
    case 'on-failure':
      return !clean;
    case 'on-success':
      return clean;
    case 'on-abnormal':
      return uncleanSignal || exit.timedOut === true;
    case 'on-abort':
      return uncleanSignal && exit.timedOut !== true;
  }
}

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
 * A systemd unit gets systemd's own behaviour instead (constantDelayMs: every
 * restart waits RestartSec=; stayFailed: no cool-down retry).
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
    const horizon = now - this.backoff.burstIntervalMs;
    // A new list of just the starts kept (most services have one): push() would reserve 17 slots.
    this.starts = [...this.starts.filter((t) => t >= horizon), now];
  }

  reset(): void {
    this.streak = 0;
    this.starts = [];
  }

  decide(policy: RestartPolicy, exit: ExitFacts, ranForMs: number, now: number, rules: ExitRules = {}): RestartDecision {
    if (!policyWantsRestart(policy, exit, rules)) return { action: 'none' };
    if (ranForMs >= this.backoff.stableAfterMs) this.streak = 0;
    const horizon = now - this.backoff.burstIntervalMs;
    const recentStarts = this.starts.filter((t) => t >= horizon).length;
    if (recentStarts >= this.backoff.burst) {
      this.streak = 0;
      this.starts = [];
      return { action: 'fail', retryInMs: this.backoff.stayFailed ? null : this.backoff.coolDownMs };
    }
    if (this.backoff.constantDelayMs !== undefined) return { action: 'restart', delayMs: this.backoff.constantDelayMs };
    const delayMs =
      this.streak === 0
        ? 0
        : Math.min(this.backoff.maxDelayMs, this.backoff.initialDelayMs * this.backoff.multiplier ** (this.streak - 1));
    this.streak++;
    return { action: 'restart', delayMs };
  }
}
