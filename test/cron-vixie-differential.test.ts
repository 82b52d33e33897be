import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nextCronRun, parseCrontabEntry, type CronSchedule } from '../src/schedule/index.js';
import { EXPRESSION_CLASSES, WINDOWS, compareSequences, randomExpression, vixieParse, type Difference } from './cron-vixie-reference.js';
import { seededRandom } from '../src/testing/seeded-random.js';

/**
 * hearth's cron against a second implementation of Debian cron's rules
 * written from its source (cron-vixie-reference.ts): the same crontab lines,
 * the same stretches of time in zones with every kind of clock change, and
 * every run compared — instant and count.
 */

const RANDOM_COUNT = 300;
const SEED = 20;

const rand = seededRandom(SEED);
const RANDOM = Array.from({ length: RANDOM_COUNT }, () => randomExpression(rand));

function hearthSchedule(expression: string): CronSchedule {
  const entry = parseCrontabEntry(`${expression} /bin/true`, 'user');
  if ('message' in entry) throw new Error(`hearth rejects "${expression}": ${entry.message}`);
  return entry.schedule;
}

function hearthNextRun(): (expression: string, after: number) => { at: number; runs: number } | undefined {
  const schedules = new Map<string, CronSchedule>();
  return (expression, after) => {
    let s = schedules.get(expression);
    if (!s) schedules.set(expression, (s = hearthSchedule(expression)));
    return nextCronRun(s, after);
  };
}

function report(differences: Difference[]): string {
  return differences
    .slice(0, 5)
    .map((d) => `"${d.expression}" in ${d.window}:\n  cron:   ${d.reference.join(', ')}\n  hearth: ${d.tested.join(', ')}`)
    .join('\n');
}

describe("hearth's cron against Debian cron's rules (entry.c, cron.c), run for run", () => {
  test('the random expressions are valid crontab(1) lines to both readers', () => {
    for (const x of RANDOM) {
      assert.ok(!('error' in vixieParse(`${x} /bin/true`)), `reference rejects "${x}"`);
      hearthSchedule(x);
    }
  });

  test(`the classes of issue 20 (day rule, DST, keywords): ${EXPRESSION_CLASSES.length} expressions in ${WINDOWS.length} stretches of time`, () => {
    const { compared, differences } = compareSequences(EXPRESSION_CLASSES, WINDOWS, hearthNextRun());
    assert.equal(compared, EXPRESSION_CLASSES.length * WINDOWS.length);
    assert.equal(differences.length, 0, `${differences.length} of ${compared} sequences differ:\n${report(differences)}`);
  });

  test(`${RANDOM_COUNT} random expressions (seed ${SEED}) in the same stretches`, () => {
    const { compared, differences } = compareSequences(RANDOM, WINDOWS, hearthNextRun());
    assert.equal(differences.length, 0, `${differences.length} of ${compared} sequences differ:\n${report(differences)}`);
  });

  test('system-format lines (crontab, cron.d/): the user field is read and checked as load_entry does with pw == NULL', () => {
    const users = new Set(['root', 'daemon']);
    const times = ['0 5 * * *', '@daily', '*/10 * * * *', '0 5 * * * *', '@reboot', '5/15 * * * *'];
    const rests = ['root /bin/true', 'daemon\t/bin/true', '/usr/bin/backup --all', 'nobody-here /bin/true', 'root', '', '* root /bin/true', 'root\t', '0 root x'];
    const differences: string[] = [];
    for (const time of times) {
      for (const rest of rests) {
        const line = `${time} ${rest}`;
        const theirs = vixieParse(line, users);
        const mine = parseCrontabEntry(line, 'system', (u) => users.has(u));
        const same = 'error' in theirs ? 'message' in mine : !('message' in mine) && mine.user === theirs.entry.user;
        if (!same) differences.push(`${JSON.stringify(line)}: cron ${'error' in theirs ? theirs.error : `user ${theirs.entry.user}`}, hearth ${'message' in mine ? mine.message : `user ${mine.user}`}`);
      }
    }
    assert.deepEqual(differences, []);
  });

  test('the reference is not blind: it tells the day rules apart, and both DST passes', () => {
    // The union reading of "*/2" and a cron that ignores DST must both fail against it.
    const unionReading = (expression: string, after: number) => {
      const s = { ...hearthSchedule(expression), domRestricted: true, dowRestricted: true };
      return nextCronRun(s, after);
    };
    assert.ok(compareSequences(['0 0 */2 * 1'], WINDOWS.slice(-2), unionReading).differences.length > 0);
    const everyRepeatedMinuteOnce = (expression: string, after: number) => nextCronRun({ ...hearthSchedule(expression), wildcard: false }, after);
    assert.ok(compareSequences(['*/20 * * * *'], WINDOWS.slice(1, 2), everyRepeatedMinuteOnce).differences.length > 0);
  });
});
