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

/**
 * One event that happens once (a main process's exit): its promise is made
 * only when something waits before it happens, which most runs never do.
 */
export class Latch {
  private opened = false;
  private promise: Promise<void> | undefined;
  private release: (() => void) | undefined;

  wait(): Promise<void> {
    if (this.opened) return Promise.resolve();
    return (this.promise ??= new Promise<void>((resolve) => (this.release = resolve)));
  }

  open(): void {
    this.opened = true;
    this.release?.();
    this.release = undefined;
  }
}
