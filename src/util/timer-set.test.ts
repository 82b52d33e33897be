import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { TimerSet } from './timer-set.js';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

test('a timeout fires once; cancel and cancelAll stop those still to come', () => {
  const timers = new TimerSet();
  const fired: string[] = [];
  timers.after(100, () => fired.push('a'));
  const b = timers.after(200, () => fired.push('b'));
  timers.after(300, () => fired.push('c'));
  timers.after(400, () => fired.push('d'));
  mock.timers.tick(100);
  timers.cancel(b);
  mock.timers.tick(200);
  assert.deepEqual(fired, ['a', 'c']);
  timers.cancelAll();
  mock.timers.tick(1000);
  assert.deepEqual(fired, ['a', 'c']);
});
