/**
 * Per-sender flood protection, like journald's RateLimitBurst per
 * RateLimitIntervalSec: each sender may log `burst` messages per window;
 * the rest are dropped before they are parsed, counted, and reported as one
 * record when the window ends (or at once on flush()). Memory stays bounded:
 * at most `maxSenders` windows are kept, the oldest giving way first.
 */
export interface RateLimit {
  /** Messages a sender may log per window. */
  burst: number;
  intervalMs: number;
}

/** What one sender lost in one window. */
export interface Suppression {
  sender: string;
  /** Whatever the caller attached to the sender (the service it logs for). */
  owner: string | undefined;
  dropped: number;
  limit: RateLimit;
}

export interface RateLimiterOptions {
  limit: RateLimit;
  onSuppressed: (s: Suppression) => void;
  maxSenders?: number;
  now?: () => number;
}

interface Window {
  sender: string;
  start: number;
  count: number;
  dropped: number;
  owner: string | undefined;
  timer: NodeJS.Timeout | undefined;
}

export class SenderRateLimiter {
  /** In order of window start, so expired windows sit at the front. */
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;
  private readonly maxSenders: number;
  private droppedTotal = 0;

  constructor(private readonly options: RateLimiterOptions) {
    this.now = options.now ?? Date.now;
    this.maxSenders = options.maxSenders ?? 4096;
  }

  /** Whether this sender's message may go through; false means it was counted as dropped. */
  admit(sender: string): boolean {
    const now = this.now();
    this.expire(now);
    let w = this.windows.get(sender);
    if (!w) {
      if (this.windows.size >= this.maxSenders) this.end(this.windows.values().next().value as Window);
      w = { sender, start: now, count: 0, dropped: 0, owner: undefined, timer: undefined };
      this.windows.set(sender, w);
    }
    if (w.count < this.options.limit.burst) {
      w.count++;
      return true;
    }
    w.dropped++;
    this.droppedTotal++;
    // Report when the window ends even if the sender then falls silent.
    if (!w.timer) {
      const window = w;
      w.timer = setTimeout(() => {
        window.timer = undefined;
        if (this.windows.get(window.sender) === window) this.end(window);
      }, Math.max(0, window.start + this.options.limit.intervalMs - now));
      w.timer.unref();
    }
    return false;
  }

  /** Names who a sender logs for, so its drop report lands in the right place. */
  attach(sender: string, owner: string): void {
    const w = this.windows.get(sender);
    if (w) w.owner = owner;
  }

  /** Reports every pending drop count now (stopping the receiver). */
  flush(): void {
    for (const w of [...this.windows.values()]) this.end(w);
  }

  get dropped(): number {
    return this.droppedTotal;
  }

  get senders(): number {
    return this.windows.size;
  }

  private expire(now: number): void {
    for (const w of this.windows.values()) {
      if (now - w.start < this.options.limit.intervalMs) return;
      this.end(w);
    }
  }

  private end(w: Window): void {
    this.windows.delete(w.sender);
    if (w.timer) clearTimeout(w.timer);
    w.timer = undefined;
    if (w.dropped > 0) this.options.onSuppressed({ sender: w.sender, owner: w.owner, dropped: w.dropped, limit: this.options.limit });
  }
}
