/**
 * When to start again an init script whose daemon died: after 1 s, then
 * twice as long each time up to 30 s; more than 5 restarts within 5 minutes
 * means the daemon cannot stay up, and hearth stops trying (the unit stays
 * failed) until someone starts or stops it.
 */
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;
const BURST = 5;
const WINDOW_MS = 5 * 60_000;

export class RestartPolicy {
  private recent: number[] = [];
  count = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** The delay before the next restart, or undefined when the limit is reached. */
  next(): number | undefined {
    const t = this.now();
    this.recent = this.recent.filter((at) => t - at < WINDOW_MS);
    if (this.recent.length >= BURST) return undefined;
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.recent.length);
    this.recent.push(t);
    this.count++;
    return delay;
  }

  /** Stopped by someone: the next crash starts a fresh series. */
  stopped(): void {
    this.recent = [];
  }
}
