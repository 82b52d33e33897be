/**
 * OnCalendar= against the real thing: the same expressions go through
 * `systemd-analyze calendar --iterations=5 --base-time=@T` (Debian's systemd,
 * which runs without systemd being PID 1) and through hearth, in three time
 * zones, from fixed instants next to DST changes. Compared: which expressions
 * are refused, the normalised form, and every one of the five elapses as
 * systemd prints them (local time with zone abbreviation, and UTC).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CalendarEvent, CalendarLoopError, loadZone, localtime, zoneTypeAt, type TimeZone } from '../src/systemd/index.js';
import { FIXED_EXPRESSIONS, randomExpressions } from './helpers/calendar-expressions.js';

const ITERATIONS = 5;
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const missing = analyze.status !== 0 ? 'systemd-analyze is not installed (CI installs the systemd package)' : false;

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** systemd's format_timestamp: "Mon 2025-03-31 02:30:00 CEST". */
function render(usec: number, zone: TimeZone): string {
  const t = Math.floor(usec / 1e6);
  const tm = localtime(t, zone);
  return `${WEEKDAYS[tm.wday]} ${tm.year}-${p2(tm.mon + 1)}-${p2(tm.mday)} ${p2(tm.hour)}:${p2(tm.min)}:${p2(tm.sec)} ${zoneTypeAt(zone, t).abbr}`;
}

interface Block {
  normalized: string;
  original: string;
  lines: string[];
}

function runSystemd(tz: string, base: number, expressions: readonly string[]) {
  const r = spawnSync('systemd-analyze', ['calendar', `--iterations=${ITERATIONS}`, `--base-time=@${base}`, '--', ...expressions], {
    encoding: 'utf8', env: { PATH: process.env['PATH'], TZ: tz, COLUMNS: '10000', SYSTEMD_COLORS: '0', LC_ALL: 'C' }, maxBuffer: 64 * 1024 * 1024,
  });
  const refused = new Set<string>();
  for (const m of r.stderr.matchAll(/^Failed to parse calendar specification '(.*)': /gm)) refused.add(m[1]!);
  const gaveUp = new Set<string>();
  for (const m of r.stderr.matchAll(/^Failed to determine next elapse for '(.*)': /gm)) gaveUp.add(m[1]!);
  const blocks: Block[] = [];
  for (const chunk of r.stdout.split(/\n\n+/)) {
    const lines = chunk.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('From now:'));
    if (lines.length === 0) continue;
    const field = (name: string) => lines.find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trim();
    const normalized = field('Normalized form') ?? '';
    blocks.push({ normalized, original: field('Original form') ?? normalized, lines: lines.filter((l) => !/^(Original|Normalized) form:/.test(l)) });
  }
  return { refused, gaveUp, blocks };
}

/** What systemd-analyze would print for one expression, computed by hearth; null where hearth gives up. */
function hearthLines(ev: CalendarEvent, base: number, zone: TimeZone): string[] | null {
  const lines: string[] = [];
  let u = base * 1e6;
  for (let i = 0; i < ITERATIONS; i++) {
    let next: number | null;
    try {
      next = ev.nextUsec(u);
    } catch (e) {
      if (e instanceof CalendarLoopError) return null;
      throw e;
    }
    if (next === null) {
      if (i === 0) lines.push('Next elapse: never');
      break;
    }
    lines.push(`${i === 0 ? 'Next elapse' : `Iter. #${i + 1}`}: ${render(next, zone)}`);
    if (!zone.utc) lines.push(`(in UTC): ${render(next, loadZone('UTC')!)}`);
    u = next;
  }
  return lines;
}

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Etc/GMT+5', 'CET', 'EST', 'cest', 'Nowhere/Zone'];
const EXPRESSIONS = [...new Set([...FIXED_EXPRESSIONS, ...randomExpressions(320, 20261204, ZONES)])];

const RUNS: Array<{ tz: string; base: number; why: string }> = [
  { tz: 'UTC', base: 1743286387.5, why: 'UTC, a fractional base time' },
  { tz: 'Europe/Berlin', base: 1743249600, why: 'Berlin, the day before clocks go forward' },
  { tz: 'America/New_York', base: 1730548800, why: 'New York, the day before clocks go back' },
  { tz: 'Europe/Berlin', base: 1761393600, why: 'Berlin, the day before clocks go back' },
  { tz: 'Australia/Lord_Howe', base: 1759579200, why: 'Lord Howe, half-hour DST starting' },
];

for (const run of RUNS) {
  test(`OnCalendar= matches systemd-analyze calendar for ${EXPRESSIONS.length} expressions (${run.why})`, { skip: missing }, (t) => {
    const zone = loadZone(run.tz)!;
    const systemd = runSystemd(run.tz, run.base, EXPRESSIONS);
    const differences: string[] = [];
    let block = 0;
    let valid = 0;
    let elapses = 0;
    let gaveUp = 0;
    // One shared state for all expressions, as in the one systemd-analyze process.
    const state = { guess: 0 };
    for (const expr of EXPRESSIONS) {
      const ev = CalendarEvent.parse(expr, { localZone: zone, mktimeState: state });
      if (!ev) {
        if (!systemd.refused.has(expr)) differences.push(`${JSON.stringify(expr)}: hearth refuses it, systemd accepts it`);
        continue;
      }
      valid++;
      if (systemd.gaveUp.has(expr)) {
        if (hearthLines(ev, run.base, zone) !== null) differences.push(`${JSON.stringify(expr)}: systemd gives up (infinite loop), hearth does not`);
        gaveUp++;
        continue;
      }
      const b = systemd.blocks[block];
      if (systemd.refused.has(expr) || !b || b.original !== expr) {
        differences.push(`${JSON.stringify(expr)}: hearth accepts it as "${ev.normalized}", systemd refuses it`);
        continue;
      }
      block++;
      if (b.normalized !== ev.normalized) differences.push(`${JSON.stringify(expr)}: normalized "${ev.normalized}", systemd "${b.normalized}"`);
      const mine = hearthLines(ev, run.base, zone) ?? ['(hearth gives up)'];
      elapses += b.lines.filter((l) => !l.startsWith('(in UTC)')).length;
      if (mine.join('\n') !== b.lines.join('\n')) differences.push(`${JSON.stringify(expr)}:\n  hearth:  ${mine.join(' | ')}\n  systemd: ${b.lines.join(' | ')}`);
    }
    assert.equal(block, systemd.blocks.length, 'every expression systemd printed was compared');
    assert.deepEqual(differences, []);
    assert.ok(valid > 250, `${valid} valid expressions`);
    assert.ok(elapses > 1000, `${elapses} elapses compared`);
    t.diagnostic(`${run.tz}: ${EXPRESSIONS.length} expressions, ${EXPRESSIONS.length - valid} refused by both, ${valid} accepted, ${elapses} elapses identical, ${gaveUp} where both give up`);
  });
}
