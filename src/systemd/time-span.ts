/**
 * systemd time spans: "90", "1min 30s", "1.5h", "2 weeks", "infinity".
 * Values are microseconds; a bare number takes the caller's default unit
 * (seconds for most settings). A month is 30.44 days and a year 365.25 days,
 * as in systemd. Fractions are cut digit by digit with integer division, the
 * way systemd computes them, so "0.0000001s" is 0.
 */

/** systemd's "infinity" (its USEC_INFINITY). */
export const INFINITY = Number.POSITIVE_INFINITY;

export const USEC_PER_SEC = 1_000_000;
export const USEC_PER_MINUTE = 60 * USEC_PER_SEC;
export const USEC_PER_HOUR = 60 * USEC_PER_MINUTE;
export const USEC_PER_DAY = 24 * USEC_PER_HOUR;

const S = 1_000_000n;
/** Longest suffix first where one is a prefix of another, as systemd's table is ordered. */
const MULTIPLIERS: ReadonlyArray<[string, bigint]> = [
  ['seconds', S], ['second', S], ['sec', S], ['s', S],
  ['minutes', 60n * S], ['minute', 60n * S], ['min', 60n * S],
  ['months', 2_629_800n * S], ['month', 2_629_800n * S], ['M', 2_629_800n * S],
  ['msec', 1000n], ['ms', 1000n], ['m', 60n * S],
  ['hours', 3600n * S], ['hour', 3600n * S], ['hr', 3600n * S], ['h', 3600n * S],
  ['days', 86_400n * S], ['day', 86_400n * S], ['d', 86_400n * S],
  ['weeks', 604_800n * S], ['week', 604_800n * S], ['w', 604_800n * S],
  ['years', 31_557_600n * S], ['year', 31_557_600n * S], ['y', 31_557_600n * S],
  ['usec', 1n], ['us', 1n], ['\u03bcs', 1n], ['\u00b5s', 1n],
];

const U64_INFINITY = 2n ** 64n - 1n;
const WS = ' \t\n\r';

function skipWs(t: string, i: number): number {
  while (i < t.length && WS.includes(t[i]!)) i++;
  return i;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/**
 * Parses a time span into microseconds (INFINITY for "infinity"); null when
 * systemd would refuse it. `defaultUnit` is the unit of a bare number, in
 * microseconds.
 */
export function parseTimeSpan(text: string, defaultUnit: number = USEC_PER_SEC): number | null {
  const r = parseTimeSpanExact(text, BigInt(defaultUnit));
  if (r === null) return null;
  return r === U64_INFINITY ? INFINITY : Number(r);
}

/** As parseTimeSpan, in exact microseconds (2^64-1 for infinity). */
export function parseTimeSpanExact(t: string, defaultUnit: bigint = S): bigint | null {
  let p = skipWs(t, 0);
  if (t.startsWith('infinity', p)) {
    return skipWs(t, p + 8) === t.length ? U64_INFINITY : null;
  }
  let total = 0n;
  let something = false;
  for (;;) {
    p = skipWs(t, p);
    if (p >= t.length) return something ? total : null;
    if (t[p] === '-') return null;
    // strtoll: an optional sign, then digits.
    let e = p;
    if (t[e] === '+') e++;
    const digitsStart = e;
    while (isDigit(t[e])) e++;
    const intDigits = t.slice(digitsStart, e);
    if (intDigits === '' && t[e] !== '.') return null;
    if (intDigits === '' && t[e] === '.' && e !== p) return null;
    const whole = intDigits === '' ? 0n : BigInt(intDigits);
    const dotAt = t[e] === '.' ? e : -1;
    let q = e;
    if (dotAt >= 0) {
      q = dotAt + 1;
      while (isDigit(t[q])) q++;
    }
    const afterWs = skipWs(t, q);
    let multiplier = defaultUnit;
    let s = afterWs;
    for (const [suffix, m] of MULTIPLIERS) {
      if (t.startsWith(suffix, afterWs)) {
        multiplier = m;
        s = afterWs + suffix.length;
        break;
      }
    }
    // "12.34.56" is refused, "12.34 .56" and "12.34s.56" are not.
    if (s === q && s < t.length) return null;
    if (whole >= U64_INFINITY / multiplier) return null;
    const k = whole * multiplier;
    if (k >= U64_INFINITY - total) return null;
    total += k;
    something = true;
    if (dotAt >= 0) {
      let m = multiplier / 10n;
      let b = dotAt + 1;
      for (; isDigit(t[b]); b++, m /= 10n) total += BigInt(t.charCodeAt(b) - 48) * m;
      if (b === dotAt + 1) return null;
    }
    p = s;
  }
}

/** Seconds-based settings where 0 means "no limit" (TimeoutStartSec=0): systemd turns 0 into infinity. */
export function parseTimeSpanFix0(text: string): number | null {
  const v = parseTimeSpan(text);
  return v === 0 ? INFINITY : v;
}

/** A compact rendering for people, in systemd's style: "1min 30s", "infinity". */
export function formatTimeSpan(usec: number): string {
  if (usec === INFINITY) return 'infinity';
  if (usec <= 0) return '0';
  const units: Array<[string, number]> = [
    ['y', 31_557_600 * USEC_PER_SEC], ['month', 2_629_800 * USEC_PER_SEC], ['w', 7 * USEC_PER_DAY], ['d', USEC_PER_DAY],
    ['h', USEC_PER_HOUR], ['min', USEC_PER_MINUTE], ['s', USEC_PER_SEC], ['ms', 1000], ['us', 1],
  ];
  const parts: string[] = [];
  let left = usec;
  for (const [name, size] of units) {
    if (left >= size) {
      parts.push(`${Math.floor(left / size)}${name}`);
      left %= size;
    }
  }
  return parts.join(' ');
}
