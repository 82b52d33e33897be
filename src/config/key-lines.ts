/**
 * smol-toml returns plain values with no positions, yet every config error must
 * name its line. This scanner walks the (already valid) TOML source once and
 * remembers the line where each key path is first written: top-level keys,
 * keys under [table] and [[array]] headers, dotted and quoted keys, and keys
 * inside inline tables. It only has to be right for documents the real parser
 * accepted, so it is lenient rather than a second validator.
 */

export interface KeyLines {
  /**
   * The line (1-based) of the key path, or of its nearest written ancestor
   * (an [rlimits] header for "rlimits.nofile" set through an inline table, say).
   */
  lineOf(path: readonly string[]): number | undefined;
}

/** Paths are joined with a separator that cannot appear in a parsed key. */
const SEP = '\u0000';

export function findKeyLines(text: string): KeyLines {
  const lines = new Map<string, number>();
  new Scanner(text, lines).run();
  return {
    lineOf(path) {
      for (let n = path.length; n > 0; n--) {
        const line = lines.get(path.slice(0, n).join(SEP));
        if (line !== undefined) return line;
      }
      return undefined;
    },
  };
}

class Scanner {
  private pos = 0;
  private line = 1;

  constructor(
    private readonly src: string,
    private readonly out: Map<string, number>,
  ) {}

  run(): void {
    let table: string[] = [];
    while (this.pos < this.src.length) {
      this.skipBlank(true);
      const c = this.src[this.pos];
      if (c === undefined) break;
      if (c === '[') {
        const double = this.src[this.pos + 1] === '[';
        this.pos += double ? 2 : 1;
        this.skipBlank(false);
        const at = this.line;
        table = this.readKey();
        this.record(table, at);
        this.skipBlank(false);
        this.pos += double ? 2 : 1;
        this.skipToLineEnd();
        continue;
      }
      const at = this.line;
      const key = this.readKey();
      if (key.length === 0) {
        // Not a key: resynchronise at the next line rather than loop forever.
        this.skipToLineEnd();
        continue;
      }
      const path = [...table, ...key];
      this.record(path, at);
      this.skipBlank(false);
      if (this.src[this.pos] === '=') this.pos++;
      this.skipBlank(false);
      this.skipValue(path);
      this.skipToLineEnd();
    }
  }

  private record(path: string[], line: number): void {
    const k = path.join(SEP);
    if (!this.out.has(k)) this.out.set(k, line);
  }

  /** Whitespace and comments; newlines too when `newlines` (between statements, inside arrays). */
  private skipBlank(newlines: boolean): void {
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === ' ' || c === '\t' || c === '\r') this.pos++;
      else if (c === '\n' && newlines) {
        this.pos++;
        this.line++;
      } else if (c === '#') {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      } else break;
    }
  }

  private skipToLineEnd(): void {
    while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
  }

  /** A bare, quoted or dotted key; returns its parts. */
  private readKey(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skipBlank(false);
      const c = this.src[this.pos];
      if (c === '"') parts.push(this.readBasicString());
      else if (c === "'") parts.push(this.readLiteralString());
      else {
        const start = this.pos;
        while (this.pos < this.src.length && /[A-Za-z0-9_-]/.test(this.src[this.pos]!)) this.pos++;
        if (this.pos === start) return parts;
        parts.push(this.src.slice(start, this.pos));
      }
      this.skipBlank(false);
      if (this.src[this.pos] !== '.') return parts;
      this.pos++;
    }
  }

  private readBasicString(): string {
    this.pos++; // opening quote
    let out = '';
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '"') {
        this.pos++;
        break;
      }
      if (c === '\n') break; // invalid in a single-line string; stop at the line end
      if (c === '\\') {
        const e = this.src[this.pos + 1] ?? '';
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\', e: '\x1b' };
        if (e in simple) {
          out += simple[e];
          this.pos += 2;
        } else if (e === 'u' || e === 'U' || e === 'x') {
          const len = e === 'u' ? 4 : e === 'U' ? 8 : 2;
          out += String.fromCodePoint(parseInt(this.src.slice(this.pos + 2, this.pos + 2 + len), 16) || 0xfffd);
          this.pos += 2 + len;
        } else {
          out += e;
          this.pos += 2;
        }
        continue;
      }
      out += c;
      this.pos++;
    }
    return out;
  }

  private readLiteralString(): string {
    const end = this.src.indexOf("'", this.pos + 1);
    const stop = end < 0 ? this.src.length : end;
    const s = this.src.slice(this.pos + 1, stop);
    this.pos = Math.min(this.src.length, stop + 1);
    return s;
  }

  private skipMultiline(quote: '"""' | "'''"): void {
    this.pos += 3;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '\\' && quote === '"""') {
        if (this.src[this.pos + 1] === '\n') this.line++;
        this.pos += 2;
        continue;
      }
      if (c === '\n') this.line++;
      if (this.src.startsWith(quote, this.pos)) {
        this.pos += 3;
        // Up to two more quote characters may belong to the content (""""" is legal).
        while (this.src[this.pos] === quote[0]) this.pos++;
        return;
      }
      this.pos++;
    }
  }

  private skipValue(path: string[]): void {
    const c = this.src[this.pos];
    if (this.src.startsWith('"""', this.pos)) return this.skipMultiline('"""');
    if (this.src.startsWith("'''", this.pos)) return this.skipMultiline("'''");
    if (c === '"') {
      this.readBasicString();
      return;
    }
    if (c === "'") {
      this.readLiteralString();
      return;
    }
    if (c === '[') {
      this.pos++;
      for (;;) {
        this.skipBlank(true);
        if (this.pos >= this.src.length) return;
        if (this.src[this.pos] === ']') {
          this.pos++;
          return;
        }
        if (this.src[this.pos] === ',') {
          this.pos++;
          continue;
        }
        const before = this.pos;
        this.skipValue(path);
        if (this.pos === before) this.pos++; // malformed input: always advance
      }
    }
    if (c === '{') {
      this.pos++;
      for (;;) {
        this.skipBlank(true);
        if (this.pos >= this.src.length) return;
        const d = this.src[this.pos];
        if (d === '}') {
          this.pos++;
          return;
        }
        if (d === ',') {
          this.pos++;
          continue;
        }
        const at = this.line;
        const key = this.readKey();
        if (key.length === 0) {
          this.pos++; // not a key; step over it so the scan always advances
          continue;
        }
        const inner = [...path, ...key];
        this.record(inner, at);
        this.skipBlank(false);
        if (this.src[this.pos] === '=') this.pos++;
        this.skipBlank(false);
        const before = this.pos;
        this.skipValue(inner);
        if (this.pos === before) this.pos++; // malformed input: always advance
      }
    }
    // A scalar: number, boolean, date-time (which may contain a space).
    while (this.pos < this.src.length && !',]}#\n'.includes(this.src[this.pos]!)) this.pos++;
  }
}
