/**
 * One time field of a cron schedule ("*\/15", "1-5", "mon-fri", "0,30"),
 * read character by character the way Debian's cron reads it (entry.c's
 * get_list/get_range/get_number), in one of two dialects:
 *
 * - "crontab": exactly what crontab(1) accepts. "5/15" is an error; an item
 *   followed by other characters ("*5", "5#3") keeps the item and ignores
 *   the rest of the field; a backwards range ("5-1") matches nothing.
 * - "native" (schedule = in services/*.toml): the same, except that "5/15"
 *   means 5-max every 15, and trailing characters and backwards ranges are
 *   errors.
 */

export type CronDialect = 'crontab' | 'native';

export interface FieldSpec {
  /** For messages: "minute", "day of week". */
  name: string;
  min: number;
  max: number;
  /** Three-letter names, compared without case; names[i] is min + i. */
  names?: readonly string[];
}

export const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export const FIELDS = {
  second: { name: 'second', min: 0, max: 59 },
  minute: { name: 'minute', min: 0, max: 59 },
  hour: { name: 'hour', min: 0, max: 23 },
  dom: { name: 'day of month', min: 1, max: 31 },
  month: { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  // 7 is Sunday as well as 0.
  dow: { name: 'day of week', min: 0, max: 7, names: DAY_NAMES },
} satisfies Record<string, FieldSpec>;

export interface ScannedField {
  values: Set<number>;
  /** The field's first character is "*": cron's DOM_STAR/DOW_STAR/MIN_STAR/HR_STAR. */
  star: boolean;
  /** Index just past the field (before the blanks that follow it). */
  end: number;
  /** Things crontab(1) accepts that are almost certainly not what was meant. */
  warnings: string[];
}

export interface FieldError {
  error: string;
  hint?: string;
}

const isAlnum = (ch: string | undefined) => ch !== undefined && /^[A-Za-z0-9]$/.test(ch);
const isBlank = (ch: string | undefined) => ch === ' ' || ch === '\t';
/** Where cron stops reading a field: a blank or the end of the line. */
const endsField = (ch: string | undefined) => ch === undefined || isBlank(ch) || ch === '\n';

/** The whole field as written, for messages. */
function fieldWord(text: string, start: number): string {
  let end = start;
  while (!endsField(text[end])) end++;
  return text.slice(start, end);
}

/**
 * Reads the field starting at `start`. Returns the values it allows, or an
 * error naming the field and the value at fault.
 */
export function scanField(text: string, start: number, spec: FieldSpec, dialect: CronDialect): ScannedField | FieldError {
  const word = fieldWord(text, start);
  const values = new Set<number>();
  const warnings: string[] = [];
  const fail = (message: string, hint?: string): FieldError => ({ error: message, ...(hint ? { hint } : {}) });
  const inWord = (message: string) => fail(`${spec.name} "${word}": ${message}`);
  let pos = start;

  /** A run of letters and digits: a name (where the field has names) or a number. */
  const readNumber = (names: readonly string[] | undefined): number | FieldError => {
    let end = pos;
    while (isAlnum(text[end])) end++;
    const token = text.slice(pos, end);
    if (token === '') return inWord(endsField(text[pos]) ? 'a number is missing' : `"${text[pos]}" where a number should be`);
    pos = end;
    const named = names?.indexOf(token.toLowerCase()) ?? -1;
    if (named >= 0) return spec.min + named;
    if (/^\d+$/.test(token)) return Number(token);
    return fail(`${spec.name} "${token}" is not a number${names ? ' or a name' : ''}`);
  };
  const inRange = (n: number) => n >= spec.min && n <= spec.max;
  const outside = (n: number) => fail(`${spec.name} ${n} is outside ${spec.min}-${spec.max}`);

  for (;;) {
    let from: number;
    let to: number;
    let step = 1;
    if (text[pos] === '*') {
      from = spec.min;
      to = spec.max;
      pos++;
    } else {
      const first = readNumber(spec.names);
      if (typeof first !== 'number') return first;
      from = first;
      if (text[pos] === '-') {
        pos++;
        const second = readNumber(spec.names);
        if (typeof second !== 'number') return second;
        to = second;
      } else if (text[pos] === '/') {
        if (dialect === 'crontab') {
          return fail(`${spec.name} "${word}": a step needs a range or "*" before it ("${from}-${spec.max}/…" or "*/…")`, 'crontab(1) rejects "N/step"; it is an extension of schedule = in services/*.toml only');
        }
        to = spec.max;
      } else {
        if (!inRange(from)) return outside(from);
        to = from;
      }
    }
    if (text[pos] === '/') {
      pos++;
      const n = readNumber(undefined);
      if (typeof n !== 'number') return n;
      if (n <= 0) return fail(`step "${n}" in ${spec.name} must be a positive number`);
      step = n;
    }
    if (!inRange(from)) return outside(from);
    if (!inRange(to)) return outside(to);
    if (from > to) {
      if (dialect === 'native') return fail(`range ${from}-${to} in ${spec.name} runs backwards`);
      warnings.push(`${spec.name} "${word}": the range ${from}-${to} runs backwards, so cron matches nothing for it`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
    if (text[pos] !== ',') break;
    pos++;
  }

  if (!endsField(text[pos])) {
    const rest = fieldWord(text, pos);
    if (dialect === 'native') return inWord(`unexpected "${rest}"`);
    warnings.push(`${spec.name} "${word}": cron ignores "${rest}" after "${text.slice(start, pos)}"`);
    while (!endsField(text[pos])) pos++;
  }
  return { values, star: text[start] === '*', end: pos, warnings };
}

export function isFieldError(r: ScannedField | FieldError): r is FieldError {
  return 'error' in r;
}
