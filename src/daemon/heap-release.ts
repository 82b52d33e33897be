/**
 * Hands the memory of a burst of work back to the system once the burst is over.
 *
 * A boot, a reload or a runlevel switch allocates in a burst: every service's
 * file parsed, its runner, pipes and first records made. V8 promotes what
 * outlives its small young generation (bin/hearthd keeps it at 1 MiB) and then
 * keeps the old-generation pages it grew into long after the burst's garbage
 * died, because nothing in a quiet daemon makes it collect them. Measured on
 * a 2-core Debian 12 host with Node 20: 1,000 sleep services held 86 MiB RSS
 * after the boot, and 75 MiB after a full collection (see fullCollection),
 * of which hearthd's live objects are 20 MiB. It costs about 40 ms at 1,000
 * services, once things are quiet, and gives back what the burst took.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How long after the last burst the collection waits: a burst's tail (first output, readiness, state writes) comes within it. */
const QUIET_MS = 1000;

export interface HeapReleaseOptions {
  /** A full garbage collection; undefined where the runtime offers none (then nothing is done). */
  collect?: (() => void) | undefined;
  quietMs?: number;
}

export class HeapRelease {
  private readonly collect: (() => void) | undefined;
  private readonly quietMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: HeapReleaseOptions = {}) {
    this.collect = 'collect' in options ? options.collect : fullCollection();
    this.quietMs = options.quietMs ?? QUIET_MS;
  }

  /** A burst just ended: collect once nothing else has ended for quietMs (a series of reloads costs one collection). */
  afterBurst(): void {
    if (!this.collect) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.collect?.();
    }, this.quietMs);
    // Never what keeps hearthd alive.
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * V8's full collection, which Node offers only to code started with
 * --expose-gc. The flag is set just long enough to make one new context,
 * whose global `gc` collects the whole heap; hearthd's own global scope never
 * gets a `gc`. Started with --expose-gc, hearthd uses the one it was given
 * and leaves the flag as it was.
 *
 * Two collections: the first finds the garbage and frees its pages, but V8
 * hands freed pages back to the system only as the next collection starts.
 * Measured (--trace-gc, 1,000 services): one collection took the live heap
 * from 32.7 to 19.5 MB and left 34.7 MB committed and RSS at 86.4 MiB; the
 * second brought the committed heap to 23.0 MB and RSS to 75.1 MiB (a
 * second run: 28.2 MB, 81.3 MiB).
 */
export function fullCollection(): (() => void) | undefined {
  const given: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof given === 'function') return () => twice(given as () => void);
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    return typeof gc === 'function' ? () => twice(gc as () => void) : undefined;
  } catch {
    return undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/** The second collection a turn of the event loop later: at 10,000 services each is over 100 ms, and I/O waiting meanwhile gets its turn between them. */
function twice(gc: () => void): void {
  gc();
  setImmediate(gc);
}
