import { readProcStat } from '../process/index.js';

const POLL_MS = 250;

/**
 * Processes whose parent (a helper) died were re-parented to init, so their
 * exit status is lost. Each is identified by pid and start time and reported
 * gone once it no longer runs (or is a zombie awaiting its new parent), which
 * keeps instance counts honest.
 */
export class OrphanWatch {
  private readonly watched = new Map<number, { start: number | undefined; gone: () => void }>();
  private timer: NodeJS.Timeout | undefined;

  add(pid: number, gone: () => void): void {
    this.watched.set(pid, { start: readProcStat(pid)?.startTime, gone });
    if (!this.timer) this.poll();
  }

  private poll(): void {
    this.timer = undefined;
    for (const [pid, w] of this.watched) {
      const st = readProcStat(pid);
      if (st && st.state !== 'Z' && st.state !== 'X' && st.startTime === w.start) continue;
      this.watched.delete(pid);
      w.gone();
    }
    if (this.watched.size > 0) {
      this.timer = setTimeout(() => this.poll(), POLL_MS);
      this.timer.unref();
    }
  }
}
