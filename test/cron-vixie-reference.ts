/**
 * A second, independent implementation of Debian cron's matching, written
 * for the differential tests from Debian's cron 3.0pl1-162 source (read with
 * `apt-get source cron`): entry.c (load_entry, get_list, get_range,
 * get_number: the bits and the *_STAR flags), cron.c (find_jobs: the day
 * rule and the wildcard/fixed split; main: the virtual clock and its four
 * kinds of wake-up). It deliberately mirrors the C code's structure — a
 * character stream, bit arrays, the same case analysis — and shares no code
 * with src/timers, so a misreading in one shows up as a difference.
 *
 * Local time comes from Intl with an explicit time zone, not from the
 * process's TZ through Date, which src/timers uses.
 */

// --- entry.c -----------------------------------------------------------------

const MIN_STAR = 0x08;
const HR_STAR = 0x10;
const DOM_STAR = 0x01;
const DOW_STAR = 0x02;
const WHEN_REBOOT = 0x04;

export interface VixieEntry {
  minute: boolean[];
  hour: boolean[];
  dom: boolean[];
  month: boolean[];
  dow: boolean[];
  flags: number;
  user?: string;
  cmd: string;
}

export type VixieParse = { entry: VixieEntry } | { error: string };

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DOW_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const EOF = -1;

/** A line as the C code sees it: one character at a time, '\n' at its end. */
class CharStream {
  private i = 0;
  constructor(private readonly text: string) {}
  get(): string | typeof EOF {
    return this.i < this.text.length ? this.text[this.i++]! : EOF;
  }
  unget(): void {
    this.i--;
  }
}

const isalnum = (c: string | typeof EOF) => c !== EOF && /^[A-Za-z0-9]$/.test(c);
const isdigit = (c: string) => /^[0-9]$/.test(c);

type Ch = string | typeof EOF;

function getNumber(out: { n: number }, low: number, names: string[] | null, ch: Ch, s: CharStream): Ch {
  let temp = '';
  let allDigits = true;
  while (isalnum(ch)) {
    if (temp.length + 1 >= 1000) return EOF;
    temp += ch as string;
    if (!isdigit(ch as string)) allDigits = false;
    ch = s.get();
  }
  if (temp.length === 0) return EOF;
  if (names) {
    for (let i = 0; i < names.length; i++) {
      if (names[i]!.toLowerCase() === temp.toLowerCase()) {
        out.n = i + low;
        return ch;
      }
    }
  }
  if (allDigits) {
    out.n = parseInt(temp, 10);
    return ch;
  }
  return EOF;
}

function setElement(bits: boolean[], low: number, high: number, n: number): boolean {
  if (n < low || n > high) return false;
  bits[n - low] = true;
  return true;
}

function getRange(bits: boolean[], low: number, high: number, names: string[] | null, ch: Ch, s: CharStream): Ch {
  const n1 = { n: 0 };
  const n2 = { n: 0 };
  const n3 = { n: 0 };
  if (ch === '*') {
    n1.n = low;
    n2.n = high;
    ch = s.get();
    if (ch === EOF) return EOF;
  } else {
    ch = getNumber(n1, low, names, ch, s);
    if (ch === EOF) return EOF;
    if (ch !== '-') {
      if (ch === '/') return EOF;
      if (!setElement(bits, low, high, n1.n)) return EOF;
      return ch;
    }
    ch = s.get();
    if (ch === EOF) return EOF;
    ch = getNumber(n2, low, names, ch, s);
    if (ch === EOF) return EOF;
  }
  if (ch === '/') {
    ch = s.get();
    if (ch === EOF) return EOF;
    ch = getNumber(n3, 0, null, ch, s);
    if (ch === EOF || n3.n <= 0) return EOF;
  } else {
    n3.n = 1;
  }
  if (n1.n < low || n1.n > high || n2.n < low || n2.n > high) return EOF;
  for (let i = n1.n; i <= n2.n; i += n3.n) if (!setElement(bits, low, high, i)) return EOF;
  return ch;
}

function getList(bits: boolean[], low: number, high: number, names: string[] | null, ch: Ch, s: CharStream): Ch {
  bits.fill(false);
  for (;;) {
    ch = getRange(bits, low, high, names, ch, s);
    if (ch === ',') ch = s.get();
    else break;
  }
  while (ch !== '\t' && ch !== ' ' && ch !== '\n' && ch !== EOF) ch = s.get();
  while (ch === '\t' || ch === ' ') ch = s.get();
  return ch;
}

/**
 * load_entry for one line (no newline), after load_env has said it is not
 * a variable. `users` set: the system format (a user field checked against
 * it); undefined: a user crontab.
 */
export function vixieParse(line: string, users?: Set<string>): VixieParse {
  const s = new CharStream(`${line}\n`);
  const e: VixieEntry = {
    minute: Array<boolean>(60).fill(false),
    hour: Array<boolean>(24).fill(false),
    dom: Array<boolean>(31).fill(false),
    month: Array<boolean>(12).fill(false),
    dow: Array<boolean>(8).fill(false),
    flags: 0,
    cmd: '',
  };
  let ch: Ch = s.get();
  while (ch === ' ' || ch === '\t') ch = s.get();
  if (ch === '@') {
    let word = '';
    for (ch = s.get(); ch !== EOF && ch !== ' ' && ch !== '\t' && ch !== '\n'; ch = s.get()) word += ch;
    if (word === 'reboot') e.flags |= WHEN_REBOOT;
    else if (word === 'yearly' || word === 'annually') {
      e.minute[0] = e.hour[0] = e.dom[0] = e.month[0] = true;
      e.dow.fill(true);
      e.flags |= DOW_STAR;
    } else if (word === 'monthly') {
      e.minute[0] = e.hour[0] = e.dom[0] = true;
      e.month.fill(true);
      e.dow.fill(true);
      e.flags |= DOW_STAR;
    } else if (word === 'weekly') {
      e.minute[0] = e.hour[0] = true;
      e.dom.fill(true);
      e.flags |= DOM_STAR;
      e.month.fill(true);
      e.dow[0] = true;
    } else if (word === 'daily' || word === 'midnight') {
      e.minute[0] = e.hour[0] = true;
      e.dom.fill(true);
      e.month.fill(true);
      e.dow.fill(true);
    } else if (word === 'hourly') {
      e.minute[0] = true;
      e.hour.fill(true);
      e.dom.fill(true);
      e.month.fill(true);
      e.dow.fill(true);
      e.flags |= HR_STAR;
    } else return { error: 'bad time specifier' };
  } else {
    if (ch === '*') e.flags |= MIN_STAR;
    ch = getList(e.minute, 0, 59, null, ch, s);
    if (ch === EOF) return { error: 'bad minute' };
    if (ch === '*') e.flags |= HR_STAR;
    ch = getList(e.hour, 0, 23, null, ch, s);
    if (ch === EOF) return { error: 'bad hour' };
    if (ch === '*') e.flags |= DOM_STAR;
    ch = getList(e.dom, 1, 31, null, ch, s);
    if (ch === EOF) return { error: 'bad day-of-month' };
    ch = getList(e.month, 1, 12, MONTH_NAMES, ch, s);
    if (ch === EOF) return { error: 'bad month' };
    if (ch === '*') e.flags |= DOW_STAR;
    ch = getList(e.dow, 0, 7, DOW_NAMES, ch, s);
    if (ch === EOF) return { error: 'bad day-of-week' };
  }
  if (e.dow[0] || e.dow[7]) e.dow[0] = e.dow[7] = true;
  while (ch === ' ' || ch === '\t') ch = s.get();
  s.unget();
  if (users) {
    let name = '';
    for (ch = s.get(); ch !== EOF && ch !== ' ' && ch !== '\t'; ch = s.get()) name += ch;
    // A name that runs into the next line (no blank before the newline) is never a user.
    if (ch === EOF || name.includes('\n')) return { error: 'bad command' };
    if (!users.has(name)) return { error: 'bad username' };
    e.user = name;
  } else if (ch === '*') {
    return { error: 'bad command' };
  }
  let cmd = '';
  for (ch = s.get(); ch !== EOF && ch !== '\n'; ch = s.get()) cmd += ch;
  if (cmd.length >= 999) return { error: 'command too long' };
  e.cmd = cmd;
  return { entry: e };
}

// --- cron.c: find_jobs --------------------------------------------------------

interface Tm {
  min: number;
  hour: number;
  mday: number;
  mon: number; // 0-11
  wday: number;
}

/** gmtime() of a virtual minute: cron keeps wall-clock minutes as if they were UTC. */
function gmtime(vtime: number): Tm {
  const d = new Date(vtime * 60_000);
  return { min: d.getUTCMinutes(), hour: d.getUTCHours(), mday: d.getUTCDate(), mon: d.getUTCMonth(), wday: d.getUTCDay() };
}

export function findJob(e: VixieEntry, tm: Tm, doWild: boolean, doNonWild: boolean): boolean {
  if (e.flags & WHEN_REBOOT) return false;
  const dow = tm.wday;
  const dom = tm.mday - 1;
  const matches =
    e.minute[tm.min] &&
    e.hour[tm.hour] &&
    e.month[tm.mon] &&
    (e.flags & DOM_STAR || e.flags & DOW_STAR ? e.dow[dow] && e.dom[dom] : e.dow[dow] || e.dom[dom]);
  if (!matches) return false;
  const wild = (e.flags & (MIN_STAR | HR_STAR)) !== 0;
  return (doNonWild && !wild) || (doWild && wild);
}

// --- cron.c: main -------------------------------------------------------------

/** Wall-clock minutes (local time read as UTC) of real minutes, in a named zone. */
export function wallClock(timeZone: string, from: number, to: number): (realMinute: number) => number {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
  const read = (realMinute: number) => {
    const p: Record<string, number> = {};
    for (const part of format.formatToParts(realMinute * 60_000)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!) / 60_000;
  };
  // Intl is slow; every minute of the stretch is read once.
  const cache = Array.from({ length: to - from + 1 }, (_, i) => read(from + i));
  return (realMinute) => cache[realMinute - from] ?? read(realMinute);
}

export interface VixieRun {
  /** Real instant, ms. */
  at: number;
  runs: number;
}

/**
 * What cron starts for each entry at every real minute in [from, to] (real
 * minutes), waking at each one; cron is taken to have been running since
 * `warmUp` minutes earlier. The sleeps between catch-up minutes (job_runqueue
 * returning non-zero) are left out: every run of a wake starts at its minute.
 */
export function vixieSimulate(entries: VixieEntry[], wall: (realMinute: number) => number, from: number, to: number, warmUp = 360): VixieRun[][] {
  const out: VixieRun[][] = entries.map(() => []);
  let timeRunning = wall(from - warmUp);
  let virtualTime = timeRunning;
  for (let r = from - warmUp + 1; r <= to; r++) {
    const clockTime = wall(r);
    if (clockTime === timeRunning) continue; // cron sleeps on
    timeRunning = clockTime;
    const counts = entries.map(() => 0);
    const find = (vtime: number, doWild: boolean, doNonWild: boolean) => {
      const tm = gmtime(vtime);
      entries.forEach((e, i) => (counts[i]! += findJob(e, tm, doWild, doNonWild) ? 1 : 0));
    };
    const timeDiff = timeRunning - virtualTime;
    if (timeDiff === 1) {
      virtualTime = timeRunning;
      find(virtualTime, true, true);
    } else {
      let wakeupKind = -1;
      if (timeDiff > -(3 * 60)) wakeupKind = 0;
      if (timeDiff > 0) wakeupKind = 1;
      if (timeDiff > 5) wakeupKind = 2;
      if (timeDiff > 3 * 60) wakeupKind = 3;
      switch (wakeupKind) {
        case 1:
          do {
            virtualTime++;
            find(virtualTime, true, true);
          } while (virtualTime < timeRunning);
          break;
        case 2:
          find(timeRunning, true, false);
          do {
            virtualTime++;
            find(virtualTime, false, true);
          } while (virtualTime < timeRunning);
          break;
        case 0:
          find(timeRunning, true, false);
          break;
        default:
          virtualTime = timeRunning;
          find(timeRunning, true, true);
      }
    }
    if (r < from) continue;
    counts.forEach((n, i) => n > 0 && out[i]!.push({ at: r * 60_000, runs: n }));
  }
  return out;
}

// --- inputs -------------------------------------------------------------------

/** A random valid five-field expression, weighted towards what people write. */
export function randomExpression(rand: () => number): string {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const field = (lo: number, hi: number, names: readonly string[] | null, starWeight: number): string => {
    const value = () => (names && rand() < 0.3 ? names[int(0, names.length - 1)]! : String(int(lo, hi)));
    const item = (): string => {
      const kind = rand();
      if (kind < 0.45) return value();
      const a = int(lo, hi);
      const b = int(a, hi);
      if (kind < 0.7) return `${a}-${b}`;
      return `${a}-${b}/${int(1, Math.max(1, hi - lo))}`;
    };
    const r = rand();
    if (r < starWeight) return '*';
    if (r < starWeight + 0.15) return `*/${int(1, Math.max(2, Math.floor((hi - lo) / 2)))}`;
    if (r < starWeight + 0.2) return `*,${item()}`;
    const n = rand() < 0.7 ? 1 : int(2, 3);
    return Array.from({ length: n }, item).join(',');
  };
  return [
    field(0, 59, null, 0.15),
    field(0, 23, null, 0.3),
    field(1, 31, null, 0.45),
    field(1, 12, ['jan', 'Feb', 'MAR', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], 0.7),
    field(0, 7, ['sun', 'Mon', 'TUE', 'wed', 'thu', 'fri', 'sat'], 0.45),
  ].join(' ');
}

/** Hand-picked expressions for the classes issue 20 names: the day rule, DST, keywords. */
export const EXPRESSION_CLASSES: readonly string[] = [
  // Day of month / day of week: a field starting with "*" is unrestricted, whatever follows.
  '0 0 */2 * 1', '0 0 1-31/2 * 1', '0 0 * * 1', '0 0 13 * 5', '0 0 13 * *', '0 12 */3 * mon-fri',
  '0 12 *,10 * 2', '0 12 10,* * 2', '0 0 1 * */2', '0 0 1,15 * */3', '30 6 */7 * sun', '0 0 * * 0', '0 0 * * 7',
  '15 10 1-7 * 1', '0 0 31 * *', '0 0 29 2 *', '0 0 1 jan,jul *', '0 0 */2 */2 */2',
  // Daylight saving: wildcard and fixed-time jobs, in and around the hours that change.
  '*/20 * * * *', '*/15 2 * * *', '30 2 * * *', '0,30 2 * * *', '0 * * * *', '0 0-23 * * *', '0-59 0-23 * * *',
  '* 2 * * *', '59 1 * * *', '0 3 * * *', '45 1 * * *', '*/10 1-3 * * *', '0 */2 * * *', '0 2-3 * * *',
  '30 * * * *', '*/5 * * * *', '* * * * *', '0 0 * * *', '10 0 * * *', '5 23 * * *',
  // Keywords.
  '@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually',
];

export interface Window {
  name: string;
  timeZone: string;
  /** Real instants, ms: [from, to]. */
  from: number;
  to: number;
}

const hours = (n: number) => n * 3_600_000;
const around = (name: string, timeZone: string, utc: string, before: number, after: number): Window => ({
  name,
  timeZone,
  from: Date.parse(utc) - hours(before),
  to: Date.parse(utc) + hours(after),
});

/** Stretches of time, each in one zone: clock changes of every kind cron distinguishes, and plain weeks for the day rule. */
export const WINDOWS: readonly Window[] = [
  around('Berlin, spring forward 2026 (+60 min)', 'Europe/Berlin', '2026-03-29T01:00Z', 12, 12),
  around('Berlin, fall back 2026 (-60 min)', 'Europe/Berlin', '2026-10-25T01:00Z', 12, 12),
  around('New York, spring forward 2026', 'America/New_York', '2026-03-08T07:00Z', 12, 12),
  around('New York, fall back 2026', 'America/New_York', '2026-11-01T06:00Z', 12, 12),
  around('Lord Howe, back 30 min 2026', 'Australia/Lord_Howe', '2026-04-04T15:00Z', 12, 12),
  around('Lord Howe, forward 30 min 2026', 'Australia/Lord_Howe', '2026-10-03T15:30Z', 12, 12),
  around('Sao Paulo, no midnight on 4 Nov 2018', 'America/Sao_Paulo', '2018-11-04T03:00Z', 12, 12),
  around('Apia, 30 Dec 2011 skipped (+24 h)', 'Pacific/Apia', '2011-12-30T10:00Z', 12, 12),
  { name: 'UTC, ten days over a month end', timeZone: 'UTC', from: Date.parse('2026-04-26T00:00Z'), to: Date.parse('2026-05-06T00:00Z') },
  { name: 'Berlin, the end of February in a leap year', timeZone: 'Europe/Berlin', from: Date.parse('2028-02-24T00:00Z'), to: Date.parse('2028-03-05T00:00Z') },
];

// --- the comparison -------------------------------------------------------------

/** The implementation under test: the next run after `after` (ms), in the process's TZ. */
export type NextRun = (expression: string, after: number) => VixieRun | undefined;

export interface Difference {
  expression: string;
  window: string;
  reference: string[];
  tested: string[];
}

const show = (runs: VixieRun[], timeZone: string) =>
  runs.map((r) => `${new Date(r.at).toLocaleString('sv-SE', { timeZone, timeZoneName: 'short' })}${r.runs > 1 ? ` x${r.runs}` : ''}`);

/**
 * Compares, for every expression and window, the runs cron would start with
 * the runs the implementation gives: one fire-time sequence per pair.
 */
export function compareSequences(expressions: readonly string[], windows: readonly Window[], nextRun: NextRun): { compared: number; differences: Difference[] } {
  const entries = expressions.map((x) => {
    const parsed = vixieParse(`${x} /bin/true`);
    if ('error' in parsed) throw new Error(`reference rejects "${x}": ${parsed.error}`);
    return parsed.entry;
  });
  const differences: Difference[] = [];
  let compared = 0;
  const savedTz = process.env.TZ;
  try {
    for (const w of windows) {
      const firstMinute = Math.ceil(w.from / 60_000);
      const lastMinute = Math.floor(w.to / 60_000);
      const wall = wallClock(w.timeZone, firstMinute - 400, lastMinute);
      const reference = vixieSimulate(entries, wall, firstMinute, lastMinute);
      process.env.TZ = w.timeZone;
      expressions.forEach((x, i) => {
        const tested: VixieRun[] = [];
        for (let run = nextRun(x, firstMinute * 60_000 - 1); run && run.at <= lastMinute * 60_000; run = nextRun(x, run.at)) tested.push(run);
        compared++;
        const ref = reference[i]!;
        if (ref.length !== tested.length || ref.some((r, j) => r.at !== tested[j]!.at || r.runs !== tested[j]!.runs)) {
          differences.push({ expression: x, window: w.name, reference: show(ref, w.timeZone), tested: show(tested, w.timeZone) });
        }
      });
    }
  } finally {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  }
  return { compared, differences };
}
