import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTimeSpan, INFINITY, parseTimeSpan, parseTimeSpanFix0 } from './time-span.js';

test('time spans in systemd syntax, in microseconds', () => {
  const s = 1_000_000;
  const cases: Array<[string, number | null]> = [
    ['90', 90 * s], ['1min 30s', 90 * s], ['1min30s', 90 * s], ['1.5h', 5400 * s], ['2 weeks', 1_209_600 * s],
    ['5M', 13_149_000 * s], ['1y', 31_557_600 * s], ['500ms', 500_000], ['10us', 10], ['10µs', 10], ['.5s', 500_000],
    ['+5', 5 * s], ['5 6', 11 * s], ['0.0000001s', 0], [' 3 s ', 3 * s], ['infinity', INFINITY], [' infinity ', INFINITY],
    ['', null], ['-1', null], ['5.', null], ['12.34.56', null], ['1x', null], ['infinityx', null], ['5s infinity', null], ['+.5', null],
  ];
  for (const [text, want] of cases) assert.equal(parseTimeSpan(text), want, JSON.stringify(text));
});

test('a bare number can default to another unit, and 0 can mean "no limit"', () => {
  assert.equal(parseTimeSpan('5', 1), 5);
  assert.equal(parseTimeSpanFix0('0'), INFINITY);
  assert.equal(parseTimeSpanFix0('5s'), 5_000_000);
});

test('spans render compactly for people', () => {
  assert.equal(formatTimeSpan(90_000_000), '1min 30s');
  assert.equal(formatTimeSpan(INFINITY), 'infinity');
  assert.equal(formatTimeSpan(0), '0');
});
