/**
 * Publishes the host's report to /hearth/hosts/NAME/report: written only when
 * its content changed, coalesced (many changes within the interval become one
 * write) and rate-limited (at most one write per interval). A failed write is
 * kept and retried, so etcd ends up with the latest report, not every one.
 */
import { encodeReport, type AppliedSet, type Conflict, type HostReport, type UnitSummary } from './report.js';
import type { EtcdClient } from './etcd-client.js';

export interface PublisherStats {
  writes: number;
  bytes: number;
  lastBytes: number;
  /** update() calls that changed nothing worth writing. */
  unchanged: number;
  failures: number;
  lastWriteAt?: number;
}

export interface PublisherOptions {
  client: EtcdClient;
  key: string;
  minIntervalMs?: number;
  retryMs?: number;
  now?: () => number;
}

export class ReportPublisher {
  private report: Omit<HostReport, 'at'> = { units: [], conflicts: [] };
  private written: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;
  private readonly stats_: PublisherStats = { writes: 0, bytes: 0, lastBytes: 0, unchanged: 0, failures: 0 };
  private readonly minIntervalMs: number;
  private readonly now: () => number;

  constructor(private readonly options: PublisherOptions) {
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  get stats(): PublisherStats {
    return { ...this.stats_ };
  }

  setUnits(units: UnitSummary[]): void {
    this.update({ units });
  }

  setConflicts(conflicts: Conflict[]): void {
    this.update({ conflicts });
  }

  setApplied(applied: AppliedSet): void {
    this.update({ applied });
  }

  /** After etcd came back: write now what could not be written, and rewrite the report. */
  republish(): void {
    this.written = undefined;
    this.schedule();
  }

  /** Resolves once nothing is pending or in flight (for tests and a clean stop). */
  async flushed(): Promise<void> {
    while ((this.timer || this.inFlight) && !this.stopped) await new Promise((r) => setTimeout(r, 20));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private update(part: Partial<Omit<HostReport, 'at'>>): void {
    this.report = { ...this.report, ...part };
    if (this.content() === this.written) {
      this.stats_.unchanged++;
      return;
    }
    this.schedule();
  }

  /** The report without its timestamp: what decides whether a write is needed. */
  private content(): string {
    return encodeReport({ ...this.report, at: 0 });
  }

  private schedule(delayMs?: number): void {
    if (this.stopped || this.timer || this.inFlight) return;
    const since = this.stats_.lastWriteAt === undefined ? Infinity : this.now() - this.stats_.lastWriteAt;
    const wait = delayMs ?? Math.max(0, this.minIntervalMs - since);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.write().then((ok) => {
        this.inFlight = undefined;
        // Changes that arrived during the write (or a write that failed) go out in the next slot.
        if (this.content() !== this.written) this.schedule(ok ? undefined : (this.options.retryMs ?? 2000));
      });
    }, wait);
  }

  private async write(): Promise<boolean> {
    const content = this.content();
    if (content === this.written) return true;
    const at = this.now();
    const value = encodeReport({ ...this.report, at });
    try {
      await this.options.client.put(this.options.key, value);
      this.written = content;
      this.stats_.writes++;
      this.stats_.lastBytes = Buffer.byteLength(value);
      this.stats_.bytes += this.stats_.lastBytes;
      this.stats_.lastWriteAt = at;
      return true;
    } catch {
      this.stats_.failures++;
      return false;
    }
  }
}
