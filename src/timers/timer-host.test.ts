import { describe, test, mock, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServiceFile } from '../config/index.js';
import type { Journal } from '../journal/index.js';
import { openTracking } from '../boundary/index.js';
import { TimerHost } from './timer-host.js';

/** Timers that start a service: the schedule logic without processes, on a mocked clock. */
function timer(name: string, toml: string) {
  const r = parseServiceFile(name, `services/${name}.toml`, `start = "target"\n${toml}`);
  assert.deepEqual(r.errors.map(String), []);
  return r.definition!;
}

describe('timer host scheduling (mocked clock)', () => {
  let dir: string;
  let started: number[];
  let level: number | null;
  const NOW = new Date(2026, 0, 10, 12, 0, 0).getTime();

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: NOW });
    dir = mkdtempSync(join(tmpdir(), 'hearth-timerhost-'));
    started = [];
    level = 3;
  });
  afterEach(() => {
    mock.timers.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  const host = () =>
    new TimerHost({
      configDir: dir,
      stateDir: dir,
      journal: {} as Journal,
      emit: () => undefined,
      runlevel: () => level,
      tracking: openTracking({ runtimeDir: dir, mode: 'process-group', cgexec: null }),
      startService: async () => {
        started.push(Date.now());
      },
    });

  test('every = 10s fires every ten seconds, and list shows the next run', async () => {
    const h = host();
    h.apply([timer('tick', 'every = "10s"\n')], [], true);
    assert.equal(h.list()[0]!.nextRun, NOW + 10_000);
    // The one time format, in local time with the zone: never an ISO string in UTC.
    assert.match(h.list()[0]!.detail ?? '', /^next run 2026-01-10 12:00:10 \S+$/);
    mock.timers.tick(9_999);
    assert.equal(started.length, 0);
    mock.timers.tick(1);
    await Promise.resolve();
    mock.timers.tick(10_000);
    await Promise.resolve();
    assert.deepEqual(started, [NOW + 10_000, NOW + 20_000]);
    h.stop();
  });

  test('a cron schedule fires at its time in local time', async () => {
    const h = host();
    h.apply([timer('lunch', 'schedule = "30 12 * * *"\n')], [], true);
    assert.equal(h.list()[0]!.nextRun, NOW + 30 * 60_000);
    mock.timers.tick(30 * 60_000);
    await Promise.resolve();
    assert.deepEqual(started, [NOW + 30 * 60_000]);
    h.stop();
  });

  test('persistent: a run missed while down happens once at start; a recent one does not', async () => {
    writeFileSync(join(dir, 'timers.json'), JSON.stringify({ nightly: { at: NOW - 3 * 86_400_000 }, fresh: { at: NOW - 3_600_000 } }));
    const h = host();
    h.apply([timer('nightly', 'schedule = "0 3 * * *"\npersistent = true\n'), timer('fresh', 'schedule = "0 3 * * *"\npersistent = true\n')], [], true);
    mock.timers.tick(0);
    await Promise.resolve();
    assert.equal(started.length, 1, 'only the timer whose 03:00 run was missed');
    h.stop();
  });

  test('a timer outside its runlevels does not run', async () => {
    level = 1;
    const h = host();
    h.apply([timer('tick', 'every = "10s"\n')], [], true);
    mock.timers.tick(30_000);
    await Promise.resolve();
    assert.deepEqual(started, []);
    h.stop();
  });

  test('a reload re-arms the timers it keeps and drops a removed one', async () => {
    const h = host();
    h.apply([timer('a', 'every = "10s"\n'), timer('b', 'every = "10s"\n')], [], true);
    mock.timers.tick(5_000);
    h.apply([timer('a', 'every = "10s"\n')], [], false);
    assert.deepEqual(h.names(), ['a']);
    mock.timers.tick(10_000);
    await Promise.resolve();
    assert.equal(started.length, 1);
    h.stop();
  });
});
