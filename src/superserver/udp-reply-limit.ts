/**
 * How many UDP replies an internal service may send: a token bucket for the
 * service and a per-second count per client address. A forged source address
 * makes echo, chargen, daytime and time reflect traffic at a victim; these
 * caps bound what one hearthd can be made to send.
 */
export class UdpReplyLimit {
  private tokens = 0;
  private last = 0;
  private readonly sources = new Map<string, number>();
  private sourcesSecond = 0;

  constructor(
    /** Replies per second for the whole service (also the burst size). */
    private readonly rate: number,
    /** Replies per second to one client address. */
    private readonly perSource: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when a reply to addr may be sent now (and counts it). */
  allow(addr: string): boolean {
    const now = this.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    const second = Math.floor(now / 1000);
    if (second !== this.sourcesSecond) {
      this.sourcesSecond = second;
      this.sources.clear();
    }
    const n = (this.sources.get(addr) ?? 0) + 1;
    if (n > this.perSource) return false;
    this.sources.set(addr, n);
    this.tokens -= 1;
    return true;
  }
}
