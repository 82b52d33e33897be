import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseCronSchedule } from './cron-expression.js';
import { cronRunsBetween, nextCronRun } from './cron-next.js';

/** Local wall-clock time with the UTC offset, so the two passes of a repeated hour read apart. */
function local(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(Math.abs(n)).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  return `${d.getMonth() + 1}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}${d.getSeconds() ? `:${p(d.getSeconds())}` : ''}${off < 0 ? '-' : '+'}${p(Math.trunc(off / 60))}${p(off % 60)}`;
}

/** Every run between two UTC instants, as "local time" or "local time x runs". */
function runs(expr: string, fromUtc: string, toUtc: string): string[] {
  return cronRunsBetween(parseCronSchedule(expr), Date.parse(fromUtc), Date.parse(toUtc)).map((r) => local(r.at) + (r.runs > 1 ? ` x${r.runs}` : ''));
}

function inZone(tz: string, body: () => void): void {
  const saved = process.env.TZ;
  before(() => {
    process.env.TZ = tz;
  });
  after(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
  body();
}

describe('runs around daylight saving changes, as Debian cron starts them', () => {
  describe('Europe/Berlin: 29 Mar 2026 02:00 CET -> 03:00 CEST, 25 Oct 2026 03:00 CEST -> 02:00 CET', () => {
    inZone('Europe/Berlin', () => {
      test('spring forward: a wildcard job loses the skipped hour, "*/15 2 * * *" does not run at all that day', () => {
        assert.deepEqual(runs('*/15 2 * * *', '2026-03-28T23:00Z', '2026-03-29T22:00Z'), []);
        assert.deepEqual(runs('*/20 * * * *', '2026-03-29T00:30Z', '2026-03-29T01:30Z'), ['3-29 01:40+0100', '3-29 03:00+0200', '3-29 03:20+0200']);
        assert.deepEqual(runs('0 * * * *', '2026-03-29T00:30Z', '2026-03-29T02:30Z'), ['3-29 03:00+0200', '3-29 04:00+0200']);
      });

      test('spring forward: a fixed-time job runs at the jump once for every skipped minute it was due in', () => {
        assert.deepEqual(runs('30 2 * * *', '2026-03-28T23:00Z', '2026-03-29T22:00Z'), ['3-29 03:00+0200']);
        assert.deepEqual(runs('0,30 2 * * *', '2026-03-28T23:00Z', '2026-03-29T22:00Z'), ['3-29 03:00+0200 x2']);
        assert.deepEqual(runs('0 0-23 * * *', '2026-03-29T00:30Z', '2026-03-29T02:30Z'), ['3-29 03:00+0200 x2', '3-29 04:00+0200']);
        assert.deepEqual(runs('15 3 * * *', '2026-03-28T23:00Z', '2026-03-29T22:00Z'), ['3-29 03:15+0200']);
      });

      test('fall back: a wildcard job runs in both passes of the repeated hour, so "*/20 * * * *" has no gap', () => {
        assert.deepEqual(runs('*/20 * * * *', '2026-10-24T23:30Z', '2026-10-25T02:10Z'), [
          '10-25 01:40+0200', '10-25 02:00+0200', '10-25 02:20+0200', '10-25 02:40+0200',
          '10-25 02:00+0100', '10-25 02:20+0100', '10-25 02:40+0100', '10-25 03:00+0100',
        ]);
        assert.deepEqual(runs('30 * * * *', '2026-10-24T23:00Z', '2026-10-25T02:40Z'), ['10-25 01:30+0200', '10-25 02:30+0200', '10-25 02:30+0100', '10-25 03:30+0100']);
      });

      test('fall back: a fixed-time job runs in the first pass only', () => {
        assert.deepEqual(runs('30 2 * * *', '2026-10-24T12:00Z', '2026-10-26T12:00Z'), ['10-25 02:30+0200', '10-26 02:30+0100']);
        assert.deepEqual(runs('*/30 2 * * *', '2026-10-24T23:30Z', '2026-10-25T02:10Z'), ['10-25 02:00+0200', '10-25 02:30+0200', '10-25 02:00+0100', '10-25 02:30+0100'], 'a wildcard minute field is enough');
        assert.deepEqual(runs('0,30 0-23 * * *', '2026-10-24T23:30Z', '2026-10-25T02:10Z'), ['10-25 02:00+0200', '10-25 02:30+0200', '10-25 03:00+0100']);
      });

      test('asked from inside the repeated hour, the answer is the same as when walked into it', () => {
        // 02:10 CET, second pass: a fixed-time job waits for tomorrow, a wildcard one for 02:20 CET.
        assert.equal(local(nextCronRun(parseCronSchedule('30 2 * * *'), Date.parse('2026-10-25T01:10Z'))!.at), '10-26 02:30+0100');
        assert.equal(local(nextCronRun(parseCronSchedule('*/20 * * * *'), Date.parse('2026-10-25T01:10Z'))!.at), '10-25 02:20+0100');
      });

      test('seconds (native schedules) follow the minute: the skipped minutes run once at the jump', () => {
        assert.deepEqual(runs('10,40 30 2 * * *', '2026-03-29T00:50Z', '2026-03-29T01:01Z'), ['3-29 03:00+0200']);
        assert.deepEqual(runs('10,40 0 3 * * *', '2026-03-29T00:50Z', '2026-03-29T01:01Z'), ['3-29 03:00:10+0200', '3-29 03:00:40+0200']);
      });
    });
  });

  describe('Australia/Lord_Howe: half-hour changes (5 Apr 2026 02:00 -> 01:30, 4 Oct 2026 02:00 -> 02:30)', () => {
    inZone('Australia/Lord_Howe', () => {
      test('30 minutes back: wildcard jobs repeat the half hour, fixed-time jobs do not', () => {
        assert.deepEqual(runs('*/15 * * * *', '2026-04-04T14:20Z', '2026-04-04T15:50Z'), [
          '4-05 01:30+1100', '4-05 01:45+1100', '4-05 01:30+1030', '4-05 01:45+1030', '4-05 02:00+1030', '4-05 02:15+1030',
        ]);
        assert.deepEqual(runs('45 1 * * *', '2026-04-04T12:00Z', '2026-04-05T12:00Z'), ['4-05 01:45+1100']);
      });

      test('30 minutes forward (more than 5): fixed-time jobs of the skipped half hour run at the jump, wildcard ones do not', () => {
        assert.deepEqual(runs('10 2 * * *', '2026-10-03T12:00Z', '2026-10-04T12:00Z'), ['10-04 02:30+1100']);
        assert.deepEqual(runs('*/10 2 * * *', '2026-10-03T12:00Z', '2026-10-03T16:10Z'), ['10-04 02:30+1100', '10-04 02:40+1100', '10-04 02:50+1100']);
      });
    });
  });

  describe('America/Sao_Paulo, 4 Nov 2018: midnight did not happen (00:00 -> 01:00)', () => {
    inZone('America/Sao_Paulo', () => {
      test('a daily job at midnight runs at 01:00 that day', () => {
        assert.deepEqual(runs('@daily', '2018-11-02T12:00Z', '2018-11-05T12:00Z'), ['11-03 00:00-0300', '11-04 01:00-0200', '11-05 00:00-0200']);
      });
    });
  });

  describe('Pacific/Apia, 29 Dec 2011: a whole day skipped (more than 180 minutes)', () => {
    inZone('Pacific/Apia', () => {
      test('nothing of the skipped day is caught up', () => {
        assert.deepEqual(runs('0 12 * * *', '2011-12-29T00:00Z', '2011-12-31T12:00Z'), ['12-29 12:00-1000', '12-31 12:00+1400']);
      });
    });
  });

  test('@reboot never fires on a clock, and Feb 30 never fires at all', () => {
    assert.equal(nextCronRun(parseCronSchedule('@reboot'), Date.now()), undefined);
    assert.equal(nextCronRun(parseCronSchedule('0 0 30 2 *'), Date.now()), undefined);
  });
});
