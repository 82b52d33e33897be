import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeFifos } from '../native/index.js';

/** Pipes made in one mkfifo(1) run when the stock is empty. */
const BATCH = 8;

/**
 * Named pipes for pool workers, made ahead in batches: a worker starts
 * synchronously and Node cannot make a FIFO itself, so running mkfifo(1) for
 * every worker would cost a process each time. Every pair is used once, by one
 * worker ("POOL+ID.out" and "POOL+ID.err"): its end is the end of that
 * worker's output, and no later worker's lines can join an unfinished line.
 */
export class FifoStock {
  private readonly stock = new Map<string, string[]>();
  private seq = 0;

  constructor(private readonly dir: string) {}

  /** A fresh "POOL+ID" whose .out and .err pipes exist. */
  take(pool: string): string {
    let names = this.stock.get(pool);
    if (!names || names.length === 0) {
      // Unique across hearthd restarts: the clock, then a counter.
      const stamp = Date.now().toString(36);
      names = Array.from({ length: BATCH }, () => `${pool}+${stamp}${(++this.seq).toString(36)}`);
      makeFifos(names.flatMap((n) => [join(this.dir, `${n}.out`), join(this.dir, `${n}.err`)]));
      this.stock.set(pool, names);
    }
    return names.shift()!;
  }

  /** Removes the pipes never used. */
  clear(): void {
    for (const names of this.stock.values()) {
      for (const n of names) for (const s of ['out', 'err']) rmSync(join(this.dir, `${n}.${s}`), { force: true });
    }
    this.stock.clear();
  }
}
