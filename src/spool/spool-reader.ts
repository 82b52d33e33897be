import { closeSync, constants, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { SpoolPlace } from '../native/index.js';

/** One read buffer for every stream: read() copies out what it got before anyone else reads. */
let scratch = Buffer.allocUnsafe(256 * 1024);

/** Where a generation begins, counted in bytes this reader has handed out. */
interface Boundary {
  gen: number;
  at: number;
}

/**
 * Reads one spool stream (files KEY.0, KEY.1, … in the spool dir) from a
 * place on, generation after generation, and remembers where each byte it
 * handed out came from: a record made of bytes up to count N was journaled
 * up to placeOf(N). A generation is finished once the helper writes a newer
 * one; files hearthd finished and the helper deleted are skipped.
 */
export class SpoolReader {
  private gen: number;
  private off: number;
  /** Bytes handed out so far. */
  private handed = 0;
  private boundaries: Boundary[];
  /** The newest generation the helper writes, as it last said. */
  private newest: number;
  private fd: number | undefined;
  private readonly firstGen: number;

  constructor(
    private readonly dir: string,
    readonly key: string,
    from: SpoolPlace,
  ) {
    this.gen = from.gen;
    this.off = from.off;
    this.newest = from.gen;
    this.firstGen = from.gen;
    this.boundaries = [{ gen: from.gen, at: -from.off }];
  }

  /** Bytes handed out so far (the count placeOf() takes). */
  get count(): number {
    return this.handed;
  }

  /** Read up to here. */
  get place(): SpoolPlace {
    return { gen: this.gen, off: this.off };
  }

  /** The helper writes generation `gen` now: older ones are complete. */
  newestIs(gen: number): void {
    if (gen > this.newest) this.newest = gen;
  }

  /** Is `place` (from the helper) at or before what was read? */
  hasRead(place: SpoolPlace): boolean {
    return place.gen < this.gen || (place.gen === this.gen && place.off <= this.off);
  }

  /** The next bytes, at most `max`; undefined when there is nothing more to read now. */
  read(max: number): Buffer | undefined {
    for (;;) {
      if (this.fd === undefined) {
        try {
          this.fd = openSync(this.path(this.gen), constants.O_RDONLY | constants.O_NOFOLLOW);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
          // Not there: finished and deleted (move on), or not made yet (wait).
          if (!this.nextGeneration()) return undefined;
          continue;
        }
      }
      if (scratch.length < max) scratch = Buffer.allocUnsafe(max);
      const n = readSync(this.fd, scratch, 0, max, this.off);
      if (n > 0) {
        this.off += n;
        this.handed += n;
        // A copy of just what came: records keep referring to it until they are written.
        return Buffer.from(scratch.subarray(0, n));
      }
      if (!this.nextGeneration()) return undefined;
    }
  }

  /** The place a record ending after `count` handed-out bytes reached. */
  placeOf(count: number): SpoolPlace {
    let i = this.boundaries.length - 1;
    while (i > 0 && this.boundaries[i]!.at > count) i--;
    // Older boundaries are never asked for again: records end in order.
    if (i > 0) this.boundaries = this.boundaries.slice(i);
    const b = this.boundaries[0]!;
    return { gen: b.gen, off: count - b.at };
  }

  /** Closes the open file (between rounds: a thousand idle streams hold no descriptors). */
  release(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** The files of this stream up to its newest generation (to delete them once it is done). */
  paths(): string[] {
    const out: string[] = [];
    for (let g = this.firstGen; g <= Math.max(this.gen, this.newest); g++) out.push(this.path(g));
    return out;
  }

  private nextGeneration(): boolean {
    if (this.newest <= this.gen) return false;
    this.release();
    this.gen++;
    this.off = 0;
    this.boundaries.push({ gen: this.gen, at: this.handed });
    return true;
  }

  private path(gen: number): string {
    return join(this.dir, `${this.key}.${gen}`);
  }
}
