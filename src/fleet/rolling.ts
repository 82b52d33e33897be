/**
 * Rolling restart: restart hosts a few at a time, each counted unavailable
 * from its restart until it is ready again, and stop starting new ones at the
 * first failure. Hosts already in flight are waited for (they are mid-restart
 * and abandoning them would hide their outcome), then the result says which
 * host failed, why, which finished and which were never touched.
 */
export interface RollingProgress {
  host: string;
  phase: 'restarting' | 'ready' | 'failed';
  error?: string;
}

export interface RollingOptions {
  hosts: readonly string[];
  /** How many hosts may be restarting at once; default 1. */
  maxUnavailable?: number;
  restart(host: string): Promise<void>;
  waitReady(host: string): Promise<void>;
  onProgress?(progress: RollingProgress): void;
}

export type RollingResult =
  | { ok: true; done: string[] }
  | { ok: false; failed: { host: string; error: string }[]; done: string[]; notStarted: string[] };

export async function rollingRestart(options: RollingOptions): Promise<RollingResult> {
  const max = Math.max(1, Math.floor(options.maxUnavailable ?? 1));
  const queue = [...options.hosts];
  const done: string[] = [];
  const failed: { host: string; error: string }[] = [];
  const running = new Set<Promise<void>>();
  const one = async (host: string) => {
    try {
      options.onProgress?.({ host, phase: 'restarting' });
      await options.restart(host);
      await options.waitReady(host);
      done.push(host);
      options.onProgress?.({ host, phase: 'ready' });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      failed.push({ host, error });
      options.onProgress?.({ host, phase: 'failed', error });
    }
  };
  while (queue.length > 0 && failed.length === 0) {
    while (running.size < max && queue.length > 0 && failed.length === 0) {
      const p: Promise<void> = one(queue.shift()!).finally(() => running.delete(p));
      running.add(p);
    }
    await Promise.race(running);
  }
  await Promise.all(running);
  if (failed.length > 0) return { ok: false, failed, done, notStarted: queue };
  return { ok: true, done };
}
