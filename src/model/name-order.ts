/**
 * The order in which hearth lists and plans units: the Unicode root collation
 * (what `Intl.Collator('und')` gives), the same on every host. Letters sort
 * case-insensitively first, a lowercase letter before its capital when the
 * names are otherwise equal, and punctuation and digits before letters.
 *
 * Unit names are printable ASCII, and for those the order is worked out here
 * from a table instead of asking ICU. Two reasons. An ICU collator pages in
 * about 3 MiB of Node's collation data that hearthd then keeps resident (RSS at
 * 100 services: 64.4 -> 61.2 MiB without it, measured on Node 20). And the
 * collator Node makes by default follows the LANG of whoever started hearthd
 * (Estonian sorts "z" right after "s"), so the order of `hearth list`, and of
 * units that start together, changed with the environment. A name outside
 * printable ASCII is compared by the root collator itself, made on first use.
 */

/**
 * Printable ASCII in the root collation's order (src/model/name-order.test.ts
 * checks it against ICU). A letter's capital follows it and differs from it
 * only at the third (case) level.
 */
const ROOT_ORDER = ' _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$0123456789aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ';

const FIRST = 0x20;
const LAST = 0x7e;
/** Primary weight per printable ASCII code (a letter and its capital share one). */
const primary = new Uint8Array(LAST + 1);
/** 1 for a capital letter: the case level, compared only when every primary weight is equal. */
const capital = new Uint8Array(LAST + 1);
{
  let weight = 0;
  for (let i = 0; i < ROOT_ORDER.length; i++) {
    const code = ROOT_ORDER.charCodeAt(i);
    const isCapital = code >= 0x41 && code <= 0x5a;
    if (!isCapital) weight++;
    primary[code] = weight;
    capital[code] = isCapital ? 1 : 0;
  }
}

let rootCollator: Intl.Collator | undefined;

function isPrintableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < FIRST || c > LAST) return false;
  }
  return true;
}

/** Compares two names in the root collation order (see the top of this file). */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  return compareStarts(a, a.length, b, b.length);
}

/**
 * Orders file names by the names they give once `suffix` is cut
 * ("a.toml" before "a-b.toml", as "a" before "a-b"), without making those
 * names: sorting a dir of 10,000 service files then allocates nothing per file.
 * Each name must end with `suffix`.
 */
export function compareFileNames(a: string, b: string, suffix: string): number {
  if (a === b) return 0;
  return compareStarts(a, a.length - suffix.length, b, b.length - suffix.length);
}

/** Compares the first `aLength` characters of `a` with the first `bLength` of `b`. */
function compareStarts(a: string, aLength: number, b: string, bLength: number): number {
  if (!isPrintableAscii(a) || !isPrintableAscii(b)) return (rootCollator ??= new Intl.Collator('und')).compare(a.slice(0, aLength), b.slice(0, bLength));
  const shorter = Math.min(aLength, bLength);
  for (let i = 0; i < shorter; i++) {
    const d = primary[a.charCodeAt(i)]! - primary[b.charCodeAt(i)]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  if (aLength !== bLength) return aLength < bLength ? -1 : 1;
  // Equal but for case: the first letter whose case differs decides, lowercase first.
  for (let i = 0; i < aLength; i++) {
    const d = capital[a.charCodeAt(i)]! - capital[b.charCodeAt(i)]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}
