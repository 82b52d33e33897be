/** Callers waiting for one outcome (a service ready, a stop done), settled all at once. */
export class Waiters {
  /** Made with the first waiter: most services' are never waited on. */
  private pending_: Array<{ resolve(): void; reject(e: Error): void }> | undefined;

  get pending(): boolean {
    return this.pending_ !== undefined && this.pending_.length > 0;
  }

  wait(): Promise<void> {
    return new Promise<void>((resolve, reject) => (this.pending_ ??= []).push({ resolve, reject }));
  }

  resolveAll(): void {
    for (const w of this.take()) w.resolve();
  }

  rejectAll(e: Error): void {
    for (const w of this.take()) w.reject(e);
  }

  private take(): Array<{ resolve(): void; reject(e: Error): void }> {
    const all = this.pending_ ?? [];
    this.pending_ = undefined;
    return all;
  }
}
