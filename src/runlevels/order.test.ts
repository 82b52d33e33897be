import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { planStart, planStop, type OrderUnit, type Plan } from './order.js';

/** Asserts every unit's planned deps come earlier in `order` and earlier in the waves. */
function assertConsistent(plan: Plan): void {
  const pos = new Map(plan.order.map((n, i) => [n, i]));
  const wave = new Map(plan.waves.flatMap((w, i) => w.map((n) => [n, i] as const)));
  for (const [n, deps] of Object.entries(plan.deps)) {
    for (const d of deps) {
      assert.ok(pos.get(d.name)! < pos.get(n)!, `${d.name} before ${n}`);
      assert.ok(wave.get(d.name)! < wave.get(n)!, `${d.name} in an earlier wave than ${n}`);
    }
  }
}

describe('planStart', () => {
  test('a diamond starts the root, then both sides together, then the join', () => {
    const units: OrderUnit[] = [
      { name: 'top', requires: ['left', 'right'] },
      { name: 'left', requires: ['base'] },
      { name: 'right', after: ['base'] },
      { name: 'base' },
    ];
    const plan = planStart(units, ['top', 'left', 'right', 'base']);
    assert.deepEqual(plan.waves, [['base'], ['left', 'right'], ['top']]);
    assert.deepEqual(plan.deps.top, [
      { name: 'left', hard: true },
      { name: 'right', hard: true },
    ]);
    assert.deepEqual(plan.deps.right, [{ name: 'base', hard: false }]);
    assertConsistent(plan);
  });

  test('independent units share the first wave', () => {
    const plan = planStart([{ name: 'a' }, { name: 'b' }, { name: 'c' }], ['c', 'b', 'a']);
    assert.deepEqual(plan.waves, [['a', 'b', 'c']]);
  });

  test('LSB facilities resolve through Provides, and unprovided facilities count as met', () => {
    const units: OrderUnit[] = [
      { name: 'cron', requires: ['$remote_fs', '$syslog', '$time'], wants: ['$network', 'nscd'] },
      { name: 'rsyslog', provides: ['$syslog'], requires: ['$remote_fs'] },
      { name: 'networking', provides: ['$network'] },
      { name: 'ssh', requires: ['$remote_fs', '$syslog'] },
    ];
    const plan = planStart(units, ['cron', 'rsyslog', 'networking', 'ssh']);
    assert.deepEqual(plan.missing, []);
    assert.deepEqual(plan.waves, [['networking', 'rsyslog'], ['cron', 'ssh']]);
    assert.deepEqual(plan.deps.cron!.map((d) => d.name), ['networking', 'rsyslog']);
    assertConsistent(plan);
  });

  test('$all runs after everything else', () => {
    const plan = planStart([{ name: 'rc.local', after: ['$all'] }, { name: 'a' }, { name: 'b', requires: ['a'] }], ['rc.local', 'a', 'b']);
    assert.deepEqual(plan.order, ['a', 'b', 'rc.local']);
  });

  test('before (X-Start-Before) orders the other unit after this one', () => {
    const plan = planStart([{ name: 'procps', before: ['$network'] }, { name: 'net', provides: ['$network'] }], ['net', 'procps']);
    assert.deepEqual(plan.waves, [['procps'], ['net']]);
  });

  test('priorities order units that say nothing else, classic rc style', () => {
    const units: OrderUnit[] = [
      { name: 'late', startPriority: 90 },
      { name: 'early', startPriority: 10 },
      { name: 'mid-a', startPriority: 55 },
      { name: 'mid-b', startPriority: 55 },
      { name: 'native' },
    ];
    const plan = planStart(units, units.map((u) => u.name));
    assert.deepEqual(plan.waves, [['early', 'native'], ['mid-a', 'mid-b'], ['late']]);
  });

  test('explicit dependencies win over priorities', () => {
    const units: OrderUnit[] = [
      { name: 'db', startPriority: 80 },
      { name: 'app', startPriority: 20, requires: ['db'] },
    ];
    assert.deepEqual(planStart(units, ['app', 'db']).order, ['db', 'app']);
  });

  test('hard requirements outside the set are pulled in; missing ones are reported', () => {
    const units: OrderUnit[] = [{ name: 'web', requires: ['db', 'ghost', '$named'] }, { name: 'db' }, { name: 'other' }];
    const plan = planStart(units, ['web']);
    assert.deepEqual(plan.pulledIn, ['db']);
    assert.deepEqual(plan.order, ['db', 'web']);
    assert.deepEqual(plan.missing, [{ unit: 'web', dependency: 'ghost' }]);
  });

  test('running units satisfy dependencies and are not planned again', () => {
    const plan = planStart([{ name: 'web', requires: ['db'] }, { name: 'db' }], ['web', 'db'], { running: ['db'] });
    assert.deepEqual(plan.order, ['web']);
    assert.deepEqual(plan.deps.web, []);
  });

  test('a cycle is reported by name and everything outside it is still planned', () => {
    const units: OrderUnit[] = [
      { name: 'a', requires: ['b'] },
      { name: 'b', after: ['c'] },
      { name: 'c', requires: ['a'] },
      { name: 'd', requires: ['a'] },
      { name: 'e' },
      { name: 'f', after: ['e'] },
    ];
    const plan = planStart(units, units.map((u) => u.name));
    assert.deepEqual(plan.cycles, [['a', 'b', 'c']]);
    assert.deepEqual(plan.order.sort(), ['d', 'e', 'f']);
    assertConsistent(plan);
  });

  test('a long chain plans without deep recursion', () => {
    const units: OrderUnit[] = Array.from({ length: 5000 }, (_, i) => ({ name: `u${i}`, requires: i ? [`u${i - 1}`] : [] }));
    const plan = planStart(units, units.map((u) => u.name));
    assert.equal(plan.waves.length, 5000);
    assert.equal(plan.order[4999], 'u4999');
  });
});

describe('planStop', () => {
  test('stops dependents before their dependencies (the start order reversed)', () => {
    const units: OrderUnit[] = [
      { name: 'top', requires: ['left', 'right'] },
      { name: 'left', requires: ['base'] },
      { name: 'right', after: ['base'] },
      { name: 'base' },
    ];
    const plan = planStop(units, ['base', 'left', 'right', 'top']);
    assert.deepEqual(plan.waves, [['top'], ['left', 'right'], ['base']]);
    assert.ok(Object.values(plan.deps).flat().every((d) => !d.hard));
  });

  test('units with only priorities stop by their K## numbers', () => {
    const units: OrderUnit[] = [
      { name: 'a', startPriority: 10, stopPriority: 90 },
      { name: 'b', startPriority: 50, stopPriority: 50 },
      { name: 'c', startPriority: 90, stopPriority: 10 },
    ];
    assert.deepEqual(planStop(units, ['a', 'b', 'c']).order, ['c', 'b', 'a']);
  });

  test('only the units being stopped are planned', () => {
    const plan = planStop([{ name: 'web', requires: ['db'] }, { name: 'db' }], ['db']);
    assert.deepEqual(plan.order, ['db']);
  });
});
