import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, tempDir } from './helpers/index.js';

interface Row {
  name: string;
  kind: string;
  state: string;
  nextRun?: number | null;
  lastRun?: { code: number | null } | null;
  failures?: number;
}

describe('timers in hearthd', () => {
  let d: RunningDaemon;
  const out = tempDir('hearth-timers-');
  const ticks = join(out.path, 'ticks');
  const cronFile = join(out.path, 'cron');
  const nightly = join(out.path, 'nightly');

  before(async () => {
    d = await startDaemon({
      'services/ticker.toml': `description = "ticks every second"\nevery = "1s"\nexec = ["/bin/sh", "-c", "echo tick; echo x >> ${ticks}"]\n`,
      'services/failing.toml': 'schedule = "* * * * * *"\nexec = ["/bin/sh", "-c", "exit 3"]\n',
      'services/slow.toml': 'every = "1s"\noverlap = "skip"\ntimeout = "10s"\nexec = ["/bin/sleep", "2.5"]\n',
      'services/nightly.toml': `schedule = "0 3 * * *"\npersistent = true\nexec = ["/bin/sh", "-c", "echo ran >> ${nightly}"]\n`,
      'cron.d/everyminute': `# five fields, then the user, as cron.d lines have them\nSHELL=/bin/sh\n* * * * * root echo cron >> ${cronFile}\n`,
    });
  });
  after(async () => {
    await d?.stop();
    out.cleanup();
  });

  const rows = (): Row[] => JSON.parse(d.cli('list', '--json').stdout) as Row[];

  test('an every = "1s" timer runs again and again, and its output is in the journal', async () => {
    await eventually(() => existsSync(ticks) && readFileSync(ticks, 'utf8').split('\n').length > 3, 8000, 'three runs');
    assert.match(d.cli('logs', 'ticker', '-n', '5').stdout, /tick/);
    const row = rows().find((r) => r.name === 'ticker')!;
    assert.equal(row.kind, 'timer');
    assert.ok((row.nextRun ?? 0) > Date.now() - 2000);
    assert.equal(row.lastRun?.code, 0);
  });

  test('a crontab line in cron.d is a timer due at the next minute, and runs as cron would, through /bin/sh', async () => {
    const row = rows().find((r) => r.name === 'cron.d-everyminute-3');
    assert.equal(row?.kind, 'timer');
    assert.ok(row.nextRun && row.nextRun % 60_000 === 0 && row.nextRun - Date.now() <= 60_000, `next run at a minute's start: ${row.nextRun}`);
    // Waiting for the minute to turn would take up to a minute: run it by hand, the same way the clock does.
    assert.equal(d.cli('start', 'cron.d-everyminute-3').code, 0);
    await eventually(() => existsSync(cronFile) && /cron/.test(readFileSync(cronFile, 'utf8')), 8000, 'the cron.d line to run');
  });

  test('failed runs are counted and logged with their exit status and duration', async () => {
    await eventually(() => (rows().find((r) => r.name === 'failing')?.failures ?? 0) >= 1, 8000, 'a failed run');
    assert.match(d.cli('logs', 'hearthd', '-n', '200').stdout, /timer "failing" finished: exit status 3 after \d/);
    // Timers have their own table: schedule, next, last, result.
    assert.match(d.cli('list').stdout, /^TIMER +STATE +SCHEDULE +NEXT +LAST +RESULT +DESCRIPTION$/m);
    assert.match(d.cli('list').stdout, /^failing +\S+ +\* \* \* \* \* \* +\S+ +\S+ +exit code 3, \d+ failed/m);
  });

  test('overlap = "skip": a run due while the last one still runs is skipped, and says so', async () => {
    await eventually(() => /timer "slow": still running since .*; this run is skipped \(overlap = "skip"\)/.test(d.cli('logs', 'hearthd', '-n', '500').stdout), 8000, 'a skipped run');
  });

  test('hearth start runs a timer now', async () => {
    const before = existsSync(nightly) ? readFileSync(nightly, 'utf8') : '';
    assert.equal(d.cli('start', 'nightly').code, 0);
    await eventually(() => existsSync(nightly) && readFileSync(nightly, 'utf8').length > before.length, 5000, 'the run');
  });

  test('persistent: a run missed while hearthd was down happens once at the next start', async () => {
    await d.crash();
    const state = join(d.root, 'state');
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, 'timers.json'), JSON.stringify({ nightly: { at: Date.now() - 3 * 86_400_000 } }));
    const before = existsSync(nightly) ? readFileSync(nightly, 'utf8').split('\n').length : 0;
    d = await d.restart();
    await eventually(() => existsSync(nightly) && readFileSync(nightly, 'utf8').split('\n').length === before + 1, 8000, 'one catch-up run');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(readFileSync(nightly, 'utf8').split('\n').length, before + 1, 'exactly once');
  });

  test('hearth at now runs a command once; at later is queued, listed by atq and removed by atrm; batch queues', async () => {
    const flag = join(out.path, 'at-ran');
    const now = d.cli('at', 'now', '--', 'touch', flag);
    assert.equal(now.code, 0, now.stderr);
    assert.match(now.stderr, /^job \d+ at /);
    await eventually(() => existsSync(flag), 5000, 'the at job to run');
    const later = d.cli('at', 'now', '+', '2', 'hours', '--', 'echo', 'later');
    const id = /^job (\d+)/.exec(later.stderr)![1]!;
    const b = d.cli('batch', '--', 'echo', 'whenever');
    const bid = /^job (\d+)/.exec(b.stderr)![1]!;
    assert.match(d.cli('atq').stdout, new RegExp(`^${id}\t.*\techo later$`, 'm'));
    // The batch job waits in the queue while the machine is busy, and runs once the load is low.
    await eventually(() => new RegExp(`^${bid}\tbatch\techo whenever$`, 'm').test(d.cli('atq').stdout) || /whenever/.test(d.cli('logs', `at-${bid}`).stdout), 5000, 'the batch job queued or run');
    assert.equal(d.cli('atrm', id).code, 0);
    assert.doesNotMatch(d.cli('atq').stdout, /echo later/);
    const missing = d.cli('atrm', '9999');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot find job 9999/);
    assert.match(d.cli('at', 'sometime', '--', 'x').stderr, /cannot read the time "sometime"/);
  });

  test('hearth check names file and line of a malformed crontab and of a bad timer key', () => {
    writeFileSync(join(d.configDir, 'cron.d/broken'), '61 * * * * root /bin/true\n0 5 * * * * root /bin/true\n');
    writeFileSync(join(d.configDir, 'services/badtimer.toml'), 'schedule = "* * *"\nexec = ["/bin/true"]\n');
    const r = d.cli('check');
    assert.equal(r.code, 1);
    assert.match(r.stdout + r.stderr, /cron\.d\/broken:1: schedule "61 \* \* \* \*": minute 61 is outside 0-59/);
    assert.match(r.stdout + r.stderr, /cron\.d\/broken:2: unknown user "\*" \(this looks like a sixth time field/);
    assert.match(r.stdout + r.stderr, /services\/badtimer\.toml:1: schedule "\* \* \*": has 3 fields, not 5 or 6/);
  });
});

describe('at on a shared control socket', () => {
  test('is refused: jobs would run with hearthd\'s rights for anyone in the socket\'s group', async () => {
    const d = await startDaemon({ 'hearth.toml': '[control]\nsocket_mode = "0660"\nsocket_group = "root"\n' });
    try {
      const r = d.cli('at', 'now', '--', 'true');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /only accepted on a private control socket/);
      assert.equal(d.cli('atq').stdout, '');
    } finally {
      await d.stop();
    }
  });
});
