import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FONT_PX, MAX_COLUMN, ROW_PX, layoutGraph, layoutTimeline, type UnitTiming } from './timeline-layout.js';

const T = 1_800_000_000_000;
const ms = (n: number) => `${n}ms`;
const empty = { startedAt: T, finishedAt: T, units: [] };

function units(n: number): UnitTiming[] {
  return Array.from({ length: n }, (_, i) => ({ name: `svc-${String(i).padStart(3, '0')}`, outcome: 'done', startedAt: T + i * 5, finishedAt: T + i * 5 + 40, after: i > 0 && i % 10 ? [`svc-${String(i - 1).padStart(3, '0')}`] : [] }));
}

test('two units: two rows of 20 px, not a page-wide drawing', () => {
  const l = layoutTimeline({ stop: empty, start: { startedAt: T, finishedAt: T + 180, units: units(2) } }, 1300, ms);
  assert.equal(l.bars.length, 2);
  assert.equal(l.height, 24 + 2 * ROW_PX + 8);
  assert.ok(l.width <= 1300);
  assert.ok(l.labelWidth < 120, 'labels as wide as the names');
  assert.ok(l.ticks.length >= 3, 'a time axis with ticks');
  assert.equal(FONT_PX, 12);
});

test('200 units: one row each, the axis spans the run, bars stay on the chart', () => {
  const us = units(200);
  const l = layoutTimeline({ stop: empty, start: { startedAt: T, finishedAt: T + 1035, units: us } }, 1300, ms);
  assert.equal(l.bars.length, 200);
  assert.equal(l.height, 24 + 200 * ROW_PX + 8);
  for (const b of l.bars) assert.ok(b.x >= l.labelWidth && b.x + b.width <= l.width, b.name);
  assert.equal(l.totalMs, 1035);
});

test('a phone-width timeline keeps a usable chart and says how long each unit took', () => {
  const l = layoutTimeline({ stop: { startedAt: T, finishedAt: T + 50, units: [{ name: 'old', outcome: 'done', startedAt: T, finishedAt: T + 50, after: [] }] }, start: { startedAt: T + 50, finishedAt: T + 200, units: units(2) } }, 360, ms);
  assert.ok(l.width >= 200 + l.labelWidth);
  assert.deepEqual(l.bars.map((b) => b.phase), ['stop', 'start', 'start']);
  assert.match(l.bars[0]!.title, /^old: stopped after 50ms$/);
});

test('the graph puts dependents right of their dependencies and wraps tall columns', () => {
  const g = layoutGraph(units(200));
  const at = new Map(g.nodes.map((n) => [n.name, n]));
  assert.ok(at.get('svc-001')!.x > at.get('svc-000')!.x);
  assert.ok(g.height <= 16 + MAX_COLUMN * 28, `${g.height} px tall`);
  assert.equal(g.edges.length, 180);
  const two = layoutGraph(units(2));
  assert.ok(two.width < 300 && two.height < 60, 'two nodes make a small drawing');
});
