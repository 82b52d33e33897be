/**
 * Word splitting as systemd does it for unit-file values (its
 * `extract_first_word`): one state machine, switched by flags, serves
 * Exec lines, Environment=, dependency lists and resource limits. Each
 * caller in systemd picks different flags, and the differences are visible
 * to users (`Wants=a\ b` keeps its backslash, `ExecStart=a\ b` does not), so
 * the flags are kept here rather than writing several splitters.
 *
 * Strings are handled as bytes so that `\xc3\xa9` decodes to "é" exactly as
 * systemd's byte strings would.
 */

export interface WordFlags {
  /** Allow unbalanced quotes and swallow a trailing backslash. */
  relax?: boolean;
  /** Decode C escapes (`\n`, `\x41`, `\u00e9`, `\101`, `\s` …). */
  cunescape?: boolean;
  /** Keep unknown escapes and a trailing backslash verbatim instead of failing. */
  unescapeRelax?: boolean;
  /** `\` followed by a separator (or another `\`) yields that character. */
  unescapeSeparators?: boolean;
  /** Quotes group words but stay in the result. */
  keepQuote?: boolean;
  /** Quotes group words and are removed. */
  unquote?: boolean;
  /** Two adjacent separators delimit an empty word. */
  dontCoalesceSeparators?: boolean;
  /** A backslash is an ordinary character. */
  retainEscape?: boolean;
  /** Leave the position on the separator instead of skipping it. */
  retainSeparators?: boolean;
}

export const WHITESPACE = ' \t\n\r';

export type WordResult =
  /** A word and where the next call starts (null: the input is used up). */
  | { ok: true; word: string; next: number | null }
  /** No more words. */
  | { ok: true; word: null; next: null }
  /** Unbalanced quotes or a bad escape; `at` is where it went wrong. */
  | { ok: false; at: number };

const HEX = '0123456789abcdefABCDEF';

function hexValue(c: string | undefined): number {
  if (c === undefined || !HEX.includes(c)) return -1;
  return parseInt(c, 16);
}

function octValue(c: string | undefined): number {
  if (c === undefined || c < '0' || c > '7') return -1;
  return c.charCodeAt(0) - 48;
}

/** One decoded C escape: either raw bytes or a code point, and how many characters it used. */
export interface Unescaped {
  bytes?: number[];
  codePoint?: number;
  length: number;
}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34, "'": 39, s: 32,
};

/** Decodes the escape that starts at text[i] (just after the backslash); null if it is not one systemd knows. */
export function unescapeOne(text: string, i: number): Unescaped | null {
  const c = text[i];
  if (c === undefined) return null;
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return { bytes: [simple], length: 1 };
  if (c === 'x') {
    const a = hexValue(text[i + 1]);
    const b = hexValue(text[i + 2]);
    if (a < 0 || b < 0 || (a === 0 && b === 0)) return null;
    return { bytes: [(a << 4) | b], length: 3 };
  }
  if (c === 'u' || c === 'U') {
    const n = c === 'u' ? 4 : 8;
    let value = 0;
    for (let k = 1; k <= n; k++) {
      const h = hexValue(text[i + k]);
      if (h < 0) return null;
      value = value * 16 + h;
    }
    if (value === 0) return null;
    if (c === 'U' && (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))) return null;
    return { codePoint: value, length: n + 1 };
  }
  const a = octValue(c);
  if (a >= 0) {
    const b = octValue(text[i + 1]);
    const d = octValue(text[i + 2]);
    if (b < 0 || d < 0) return null;
    const m = (a << 6) | (b << 3) | d;
    if (m === 0 || m > 255) return null;
    return { bytes: [m], length: 3 };
  }
  return null;
}

/** Accumulates a word as UTF-8 bytes, so raw-byte escapes combine with their neighbours. */
class ByteWord {
  private readonly bytes: number[] = [];
  addChar(ch: string): void {
    for (const b of Buffer.from(ch, 'utf8')) this.bytes.push(b);
  }
  addByte(b: number): void {
    this.bytes.push(b);
  }
  addCodePoint(cp: number): void {
    // Lone surrogates from \u escapes are encoded the way a C encoder would, byte by byte.
    if (cp >= 0xd800 && cp <= 0xdfff) {
      this.bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
      return;
    }
    this.addChar(String.fromCodePoint(cp));
  }
  toString(): string {
    return Buffer.from(this.bytes).toString('utf8');
  }
}

/**
 * The first word of text at position pos. Call again with `next` to get the
 * following word; `next === null` means the input is used up.
 */
export function extractFirstWord(text: string, pos: number | null, separators: string = WHITESPACE, flags: WordFlags = {}): WordResult {
  if (pos === null) return { ok: true, word: null, next: null };
  let i = pos;
  let word: ByteWord | null = null;
  if (flags.dontCoalesceSeparators) word = new ByteWord();

  // Leading separators.
  for (;; i++) {
    const c = text[i];
    if (c === undefined) return finish(word, null);
    if (separators.includes(c)) {
      if (flags.dontCoalesceSeparators) {
        if (!flags.retainSeparators) i++;
        return { ok: true, word: word!.toString(), next: i };
      }
      continue;
    }
    word ??= new ByteWord();
    break;
  }

  let quote: string | null = null;
  let backslash = false;
  for (;; i++) {
    const c = text[i];
    if (backslash) {
      if (c === undefined) {
        if (flags.unescapeRelax && (quote === null || flags.relax)) {
          word.addChar('\\');
          return finish(word, null);
        }
        if (flags.relax) return finish(word, null);
        return { ok: false, at: i };
      }
      if (flags.cunescape || flags.unescapeSeparators) {
        const decoded = flags.cunescape ? unescapeOne(text, i) : null;
        if (decoded) {
          if (decoded.bytes) for (const b of decoded.bytes) word.addByte(b);
          else word.addCodePoint(decoded.codePoint!);
          i += decoded.length - 1;
        } else if (flags.unescapeSeparators && (separators.includes(c) || c === '\\')) {
          word.addChar(c);
        } else if (flags.unescapeRelax) {
          word.addChar('\\');
          word.addChar(c);
        } else {
          return { ok: false, at: i };
        }
      } else {
        word.addChar(c);
      }
      backslash = false;
      continue;
    }
    if (quote !== null) {
      if (c === undefined) {
        if (flags.relax) return finish(word, null);
        return { ok: false, at: i };
      }
      if (c === quote) {
        quote = null;
        if (!flags.unquote) word.addChar(c);
        continue;
      }
      if (c === '\\' && !flags.retainEscape) {
        backslash = true;
        continue;
      }
      word.addChar(c);
      continue;
    }
    if (c === undefined) return finish(word, null);
    if ((c === "'" || c === '"') && (flags.keepQuote || flags.unquote)) {
      quote = c;
      if (!flags.unquote) word.addChar(c);
      continue;
    }
    if (c === '\\' && !flags.retainEscape) {
      backslash = true;
      continue;
    }
    if (separators.includes(c)) {
      if (flags.dontCoalesceSeparators) {
        if (!flags.retainSeparators) i++;
        return { ok: true, word: word.toString(), next: i };
      }
      if (!flags.retainSeparators) {
        while (text[i] !== undefined && separators.includes(text[i]!)) i++;
        if (text[i] === undefined) return finish(word, null);
      }
      return { ok: true, word: word.toString(), next: i };
    }
    word.addChar(c);
  }
}

function finish(word: ByteWord | null, next: number | null): WordResult {
  if (word === null) return { ok: true, word: null, next: null };
  return { ok: true, word: word.toString(), next };
}

/**
 * All words of text, or null when the quoting is unbalanced (or an escape is
 * invalid under the given flags).
 */
export function splitWords(text: string, flags: WordFlags = {}, separators: string = WHITESPACE): string[] | null {
  const words: string[] = [];
  let pos: number | null = 0;
  for (;;) {
    const r = extractFirstWord(text, pos, separators, flags);
    if (!r.ok) return null;
    if (r.word === null) return words;
    words.push(r.word);
    pos = r.next;
  }
}

/** The outcome of systemd's "warn and retry relaxed" word extraction. */
export type LenientWord =
  | { kind: 'word'; word: string; next: number | null; badEscape: boolean }
  | { kind: 'end' }
  | { kind: 'unbalanced' };

/**
 * Extracts a word; on a bad escape, retries keeping unknown escapes verbatim
 * and says so (systemd warns "Ignoring unknown escape sequences"). Still
 * failing means unbalanced quotes.
 */
export function extractWordLenient(text: string, pos: number | null, flags: WordFlags, separators: string = WHITESPACE): LenientWord {
  const first = extractFirstWord(text, pos, separators, flags);
  if (first.ok) return first.word === null ? { kind: 'end' } : { kind: 'word', word: first.word, next: first.next, badEscape: false };
  if (flags.unescapeRelax) return { kind: 'unbalanced' };
  const second = extractFirstWord(text, pos, separators, { ...flags, unescapeRelax: true });
  if (!second.ok) return { kind: 'unbalanced' };
  if (second.word === null) return { kind: 'end' };
  return { kind: 'word', word: second.word, next: second.next, badEscape: true };
}
