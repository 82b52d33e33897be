/**
 * Turns a byte stream into lines. Chunks from a pipe end anywhere (in the middle
 * of a line, of a UTF-8 character); the splitter keeps the unfinished tail until
 * its newline comes, and cuts lines longer than `maxLine` into pieces so one
 * runaway line cannot grow memory without bound.
 */

export interface LineSegment {
  /** The bytes, without the newline. */
  payload: Buffer;
  /** No newline ended it here: a piece of a long line, or a flushed tail. */
  partial: boolean;
}

export const DEFAULT_MAX_LINE = 16 * 1024;

const LF = 0x0a;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingLength = 0;

  constructor(private readonly maxLine = DEFAULT_MAX_LINE) {
    if (!(maxLine >= 4)) throw new RangeError(`maxLine must be at least 4 bytes, got ${maxLine}`);
  }

  /** Bytes held back waiting for a newline. */
  get buffered(): number {
    return this.pendingLength;
  }

  push(chunk: Buffer): LineSegment[] {
    const out: LineSegment[] = [];
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      if (lf < 0) {
        this.hold(chunk.subarray(start), out);
        break;
      }
      const piece = chunk.subarray(start, lf);
      if (this.pendingLength === 0 && piece.length <= this.maxLine) {
        // The common case: a whole line inside one chunk, handed out without a
        // copy (segments may share memory with the chunk; the writer encodes them
        // at once).
        out.push({ payload: piece, partial: false });
      } else {
        this.pending.push(piece);
        this.pendingLength += piece.length;
        const line = this.take();
        this.cut(line, out, false);
      }
      start = lf + 1;
    }
    return out;
  }

  /** Hands out the unfinished tail (marked partial), e.g. at exit or after an idle pause. */
  flush(): LineSegment | undefined {
    if (this.pendingLength === 0) return undefined;
    return { payload: this.take(), partial: true };
  }

  private hold(tail: Buffer, out: LineSegment[]): void {
    // Copy: the tail may sit here for a while and the source buffer is not ours.
    this.pending.push(Buffer.from(tail));
    this.pendingLength += tail.length;
    if (this.pendingLength > this.maxLine) {
      const all = this.take();
      // Keep the remainder (at most maxLine bytes) pending: its newline may still come.
      const rest = this.cut(all, out, true);
      if (rest.length > 0) {
        this.pending.push(rest);
        this.pendingLength = rest.length;
      }
    }
  }

  private take(): Buffer {
    const b = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLength);
    this.pending = [];
    this.pendingLength = 0;
    return b;
  }

  /**
   * Emits `line` in pieces of at most maxLine bytes, all partial but the last.
   * With keepTail, the last piece is returned instead of emitted (still open).
   */
  private cut(line: Buffer, out: LineSegment[], keepTail: boolean): Buffer {
    let start = 0;
    while (line.length - start > this.maxLine) {
      const end = utf8Cut(line, start, start + this.maxLine);
      out.push({ payload: line.subarray(start, end), partial: true });
      start = end;
    }
    const last = line.subarray(start);
    if (keepTail) return Buffer.from(last);
    out.push({ payload: last, partial: false });
    return Buffer.alloc(0);
  }
}

/**
 * Moves a cut at `end` back to the start of a UTF-8 character when it would split
 * one, so each piece of a split line still decodes cleanly. Binary data (no valid
 * lead byte close by) is cut where asked.
 */
export function utf8Cut(buf: Buffer, start: number, end: number): number {
  if (end >= buf.length) return end;
  for (let back = 0; back < 4 && end - back > start; back++) {
    const i = end - back;
    const c = buf[i]!;
    if ((c & 0xc0) !== 0x80) {
      // i is a lead (or ASCII) byte: cutting before it is safe.
      if (back === 0) return end;
      const need = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 1;
      return need > back && c >= 0xc2 ? i : end;
    }
  }
  return end;
}
