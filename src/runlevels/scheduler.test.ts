import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { planStart, planStop, type OrderUnit } from './order.js';
import { runPlan } from './scheduler.js';
import { planTransition, runTransition } from './transition.js';

/** An action whose units become ready only when the test says so. */
function controllable() {
  const pending = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  const begun: string[] = [];
  let waiters: (() => void)[] = [];
  const action = (name: string) =>
    new Promise<void>((resolve, reject) => {
      begun.push(name);
      pending.set(name, { resolve, reject });
      const w = waiters;
      waiters = [];
      w.forEach((f) => f());
    });
  const until = async (pred: () => boolean) => {
    while (!pred()) await new Promise<void>((r) => waiters.push(r));
  };
  const tick = () => new Promise((r) => setTimeout(r, 5));
  return { action, begun, pending, until, tick };
}

describe('runPlan', () => {
  test('independent units start concurrently; a dependent waits until its dependency is ready', async () => {
    const units: OrderUnit[] = [{ name: 'db' }, { name: 'cache' }, { name: 'web', requires: ['db'] }];
    const c = controllable();
    const run = runPlan(planStart(units, ['db', 'cache', 'web']), c.action);
    await c.until(() => c.begun.length === 2);
    assert.deepEqual([...c.begun].sort(), ['cache', 'db']);
    await c.tick();
    assert.ok(!c.begun.includes('web'), 'web must not begin before db is ready');
    c.pending.get('cache')!.resolve();
    await c.tick();
    assert.ok(!c.begun.includes('web'), 'cache being ready is not enough');
    c.pending.get('db')!.resolve();
    await c.until(() => c.begun.includes('web'));
    c.pending.get('web')!.resolve();
    const report = await run;
    assert.deepEqual(report.units.map((u) => [u.name, u.outcome]), [
      ['cache', 'done'],
      ['db', 'done'],
      ['web', 'done'],
    ]);
    const web = report.units.find((u) => u.name === 'web')!;
    const db = report.units.find((u) => u.name === 'db')!;
    assert.ok(web.startedAt! >= db.finishedAt!);
    assert.deepEqual(web.after, ['db']);
  });

  test('a failed hard dependency skips its dependents; soft ones still run', async () => {
    const units: OrderUnit[] = [
      { name: 'db' },
      { name: 'web', requires: ['db'] },
      { name: 'api', requires: ['web'] },
      { name: 'report', after: ['db'] },
    ];
    const events: string[] = [];
    const report = await runPlan(
      planStart(units, units.map((u) => u.name)),
      async (name) => {
        if (name === 'db') throw new Error('exec not found');
      },
      { onEvent: (e) => events.push(`${e.type}:${e.name}`) },
    );
    const outcome = Object.fromEntries(report.units.map((u) => [u.name, u.outcome]));
    assert.deepEqual(outcome, { db: 'failed', web: 'skipped', api: 'skipped', report: 'done' });
    assert.equal(report.units.find((u) => u.name === 'db')!.error, 'exec not found');
    assert.match(report.units.find((u) => u.name === 'web')!.error!, /dependency "db" failed/);
    assert.ok(events.includes('unit.skipped:api'));
  });

  test('concurrency limits how many actions run at once', async () => {
    let active = 0;
    let peak = 0;
    const units = Array.from({ length: 8 }, (_, i) => ({ name: `u${i}` }));
    await runPlan(
      planStart(units, units.map((u) => u.name)),
      async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
      },
      { concurrency: 3 },
    );
    assert.equal(peak, 3);
  });

  test('an empty plan finishes at once', async () => {
    const report = await runPlan(planStart([], []), async () => assert.fail('no action expected'));
    assert.deepEqual(report.units, []);
  });

  test('a stop plan keeps going past a unit that fails to stop', async () => {
    const units: OrderUnit[] = [{ name: 'db' }, { name: 'web', requires: ['db'] }];
    const order: string[] = [];
    const report = await runPlan(planStop(units, ['db', 'web']), async (n) => {
      order.push(n);
      if (n === 'web') throw new Error('stuck');
    });
    assert.deepEqual(order, ['web', 'db']);
    assert.equal(report.units.find((u) => u.name === 'db')!.outcome, 'done');
  });
});

describe('planTransition', () => {
  const units: OrderUnit[] = [
    { name: 'syslog', provides: ['$syslog'] },
    { name: 'net', provides: ['$network'] },
    { name: 'sshd', requires: ['$network', '$syslog'] },
    { name: 'xdm', requires: ['$syslog'], after: ['sshd'] },
    { name: 'single-shell' },
  ];
  const enabled: Record<string, number[]> = {
    syslog: [1, 2, 3, 4, 5],
    net: [2, 3, 4, 5],
    sshd: [2, 3, 4, 5],
    xdm: [5],
    'single-shell': [1],
  };
  const isEnabled = (n: string, l: number) => enabled[n]?.includes(l) ?? false;

  test('3 → 5 starts only what 5 adds, 5 → 3 stops only what 3 lacks', () => {
    const up = planTransition({ units, running: ['syslog', 'net', 'sshd'], target: 5, isEnabled, defaultLevel: 3 });
    assert.deepEqual(up.stop.order, []);
    assert.deepEqual(up.start.order, ['xdm']);
    const down = planTransition({ units, running: ['syslog', 'net', 'sshd', 'xdm'], target: 3, isEnabled, defaultLevel: 3 });
    assert.deepEqual(down.stop.order, ['xdm']);
    assert.deepEqual(down.start.order, []);
    assert.equal(down.finalLevel, 3);
  });

  test('1 keeps only what is enabled in 1, stopping dependents first', () => {
    const t = planTransition({ units, running: ['syslog', 'net', 'sshd', 'xdm'], target: 1, isEnabled, defaultLevel: 3 });
    assert.deepEqual(t.stop.waves, [['xdm'], ['sshd'], ['net']]);
    assert.deepEqual(t.start.order, ['single-shell']);
  });

  test('0 stops everything in reverse order and starts nothing', () => {
    const t = planTransition({ units, running: ['syslog', 'net', 'sshd', 'xdm'], target: 0, isEnabled, defaultLevel: 3 });
    assert.deepEqual(t.stop.waves, [['xdm'], ['sshd'], ['net', 'syslog']]);
    assert.deepEqual(t.start.order, []);
    assert.equal(t.finalLevel, 0);
  });

  test('6 stops everything, then starts the default level in order', () => {
    const t = planTransition({ units, running: ['syslog', 'net', 'sshd'], target: 6, isEnabled, defaultLevel: 3 });
    assert.deepEqual(t.stop.order.sort(), ['net', 'sshd', 'syslog']);
    assert.deepEqual(t.start.waves, [['net', 'syslog'], ['sshd']]);
    assert.equal(t.finalLevel, 3);
  });

  test('a requirement pulled in by the new level is not stopped', () => {
    const t = planTransition({
      units: [{ name: 'app', requires: ['db'] }, { name: 'db' }],
      running: ['db'],
      target: 4,
      isEnabled: (n, l) => n === 'app' && l === 4,
      defaultLevel: 3,
    });
    assert.deepEqual(t.stop.order, []);
    assert.deepEqual(t.start.order, ['app']);
  });

  test('runTransition runs the whole stop phase before the start phase', async () => {
    const t = planTransition({ units, running: ['syslog', 'net', 'sshd', 'xdm'], target: 1, isEnabled, defaultLevel: 3 });
    const log: string[] = [];
    const r = await runTransition(t, {
      start: async (n) => void log.push(`start ${n}`),
      stop: async (n) => void log.push(`stop ${n}`),
    });
    assert.deepEqual(log, ['stop xdm', 'stop sshd', 'stop net', 'start single-shell']);
    assert.equal(r.start.units.length, 1);
  });
});
