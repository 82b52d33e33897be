/** Callers waiting for one outcome (a service ready, a stop done), settled all at once. */
export class Waiters {
  private pending: Array<{ resolve(): void; reject(e: Error): void }> = [];

  wait(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  resolveAll(): void {
    for (const w of this.take()) w.resolve();
  }

  rejectAll(e: Error): void {
    for (const w of this.take()) w.reject(e);
  }

  private take(): Array<{ resolve(): void; reject(e: Error): void }> {
    const all = this.pending;
    this.pending = [];
    return all;
  }
}
