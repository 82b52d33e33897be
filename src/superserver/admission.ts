import os from 'node:os';
import type { InetdServiceDefinition, RefusalReason } from '../model/index.js';
import { withinTimes } from './access.js';

/** Time as admission sees it: injected, so tests drive the cps pause without waiting. */
export interface Clock {
  now(): number;
  /** Runs `run` once after `ms`; the returned function cancels it. */
  after(ms: number, run: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, run) {
    const t = setTimeout(run, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

export type AdmissionLimits = Pick<InetdServiceDefinition, 'instances' | 'perSource' | 'cps' | 'maxLoad' | 'accessTimes'>;

export interface AdmissionHooks {
  /** cps tripped: the service must stop listening until onResume. Called from inside admit(). */
  onSuspend(until: number): void;
  /** The pause is over: the service listens again, or calls suspendFor() when it cannot yet. */
  onResume(): void;
}

/**
 * The limits every inetd-style connection passes before it is served:
 * xinetd's cps, max_load, access_times, instances and per_source. A pure
 * object: no sockets, time from an injected clock, so every rule has a unit
 * test of its own (admission.test.ts). The address rules (only_from,
 * no_access) come after it, in access.ts.
 *
 * Checked against xinetd's source (src/access.c parent_access_control,
 * src/service.c svc_activate):
 * - Order: cps, load, access_times, instances, per_source, as in xinetd; the
 *   address is checked last (xinetd does it in the forked child, before exec).
 * - instances: xinetd compares the service's running servers with the limit
 *   (>= refuses). Counted here are the connections the caller opened(): servers,
 *   and the internal services xinetd forks for (echo, discard, chargen, tcpmux);
 *   daytime and time, answered in-process by xinetd too, are not counted.
 * - per_source: xinetd counts this service's servers whose client has the same
 *   address, only when the address is known; same here, by address string.
 * - cps: exactly xinetd's rule (access.c parent_access_control), on its
 *   whole-second clock: the first connection opens a window; while the
 *   window is younger than `rate` seconds each connection is counted, and
 *   the one that makes count / max(1, age in seconds) exceed the rate is
 *   refused and trips the pause; an older window starts over at 1. The pause
 *   does not reset the window, so after it the first connection trips again
 *   as long as the window's average is still over the rate. The service
 *   stops listening for `pauseSeconds` and comes back by itself.
 *   inetd.conf's `nowait.max` (intervalSeconds, 60 s) keeps inetd's own rule:
 *   the (max+1)th connection in one interval trips, and a resumed service
 *   starts a fresh interval.
 * Where hearth differs, on purpose: xinetd's svc_activate sets the running
 *   server count to 0 when the service comes back, so servers still running
 *   then go uncounted and `instances` can be exceeded; here they stay counted.
 */
export class Admission {
  private running = 0;
  private readonly bySource = new Map<string, number>();
  /** xinetd's SC_TIME_LIMIT (in whole seconds) and SC_TIME_CONN; or inetd's interval start (ms) and count. */
  private windowStart = 0;
  private windowCount = 0;
  private pausedUntil: number | null = null;
  private cancelResume: (() => void) | undefined;
  /** inetd.conf's fixed interval; undefined for xinetd's cps. */
  private readonly cpsIntervalMs: number | undefined;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly hooks: AdmissionHooks,
    private readonly clock: Clock = systemClock,
    private readonly loadAverage: () => number = () => os.loadavg()[0]!,
  ) {
    const interval = limits.cps.intervalSeconds;
    this.cpsIntervalMs = interval === undefined ? undefined : interval * 1000;
  }

  /** Connections counted against instances right now. */
  get active(): number {
    return this.running;
  }

  /** When a cps pause ends; null when not paused. */
  get suspendedUntil(): number | null {
    return this.pausedUntil;
  }

  activeFrom(remote: string): number {
    return this.bySource.get(remote) ?? 0;
  }

  /**
   * null admits the connection; otherwise why it is refused. `counted`: the
   * connection will hold an instance (call opened() once it does).
   */
  admit(remote: string | undefined, counted: boolean): RefusalReason | null {
    const l = this.limits;
    if (l.cps.rate > 0) {
      // While paused nothing gets in, whatever the window says.
      if (this.pausedUntil !== null) return 'cps';
      if (this.overRate(l.cps.rate)) {
        this.pause(l.cps.pauseSeconds * 1000);
        return 'cps';
      }
    }
    if (l.maxLoad !== undefined && this.loadAverage() >= l.maxLoad) return 'load';
    if (l.accessTimes && !withinTimes(l.accessTimes, new Date(this.clock.now()))) return 'time';
    if (counted && l.instances !== undefined && this.running >= l.instances) return 'instances';
    if (counted && l.perSource !== undefined && remote !== undefined && this.activeFrom(remote) >= l.perSource) return 'per_source';
    return null;
  }

  /** Counts one connection; true when it goes over the rate. */
  private overRate(rate: number): boolean {
    if (this.cpsIntervalMs !== undefined) {
      const now = this.clock.now();
      if (now - this.windowStart >= this.cpsIntervalMs) {
        this.windowStart = now;
        this.windowCount = 0;
      }
      return ++this.windowCount > rate;
    }
    const now = Math.floor(this.clock.now() / 1000);
    const age = now - this.windowStart;
    if (this.windowCount === 0 || age >= rate) {
      this.windowStart = now;
      this.windowCount = 1;
      return false;
    }
    this.windowCount++;
    return Math.floor(this.windowCount / Math.max(1, age)) > rate;
  }

  /** An admitted connection now holds an instance (and a per_source slot). */
  opened(remote: string | undefined): void {
    this.running++;
    if (this.limits.perSource !== undefined && remote !== undefined) this.bySource.set(remote, this.activeFrom(remote) + 1);
  }

  /** That connection (or its server) ended. */
  closed(remote: string | undefined): void {
    if (this.running > 0) this.running--;
    if (this.limits.perSource === undefined || remote === undefined) return;
    const n = this.activeFrom(remote) - 1;
    if (n <= 0) this.bySource.delete(remote);
    else this.bySource.set(remote, n);
  }

  /** The service could not listen again yet: stay paused for ms more (no new onSuspend), then onResume again. */
  suspendFor(ms: number): void {
    this.cancel();
    this.pausedUntil = null;
    this.pause(ms, false);
  }

  /** The service is closed for good: no resume will follow. */
  stop(): void {
    this.cancel();
    this.pausedUntil = null;
  }

  private pause(ms: number, tell = true): void {
    if (this.pausedUntil !== null) return;
    const until = this.clock.now() + ms;
    this.pausedUntil = until;
    this.cancelResume = this.clock.after(ms, () => {
      this.cancelResume = undefined;
      this.pausedUntil = null;
      // inetd's interval starts afresh; xinetd's window goes on (see above).
      if (this.cpsIntervalMs !== undefined) {
        this.windowStart = this.clock.now();
        this.windowCount = 0;
      }
      this.hooks.onResume();
    });
    if (tell) this.hooks.onSuspend(until);
  }

  private cancel(): void {
    this.cancelResume?.();
    this.cancelResume = undefined;
  }
}
