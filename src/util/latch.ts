/**
 * One event that happens once (hearthd's config is in place, a main process
 * exited): wait() before or after it, open() any number of times. Its promise
 * is made only when something waits before it happens, which for most
 * services' runs nothing does. (Node 20 has no Promise.withResolvers.)
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
