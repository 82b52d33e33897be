import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectivePriority, parsePriority } from './log-priority.js';

test('stderr counts as err and stdout as info unless the line has its own priority', () => {
  assert.equal(effectivePriority({ stream: 'err' }), 3);
  assert.equal(effectivePriority({ stream: 'out' }), 6);
  assert.equal(effectivePriority({ stream: 'err', priority: 5 }), 5);
  assert.equal(effectivePriority({ stream: 'syslog', priority: 0 }), 0);
});

test('priorities are read as journalctl -p reads them', () => {
  assert.deepEqual(['err', 'ERROR', '3', 'warn', 'debug', 'emerg'].map(parsePriority), [3, 3, 3, 4, 7, 0]);
  assert.equal(parsePriority('loud'), undefined);
  assert.equal(parsePriority('8'), undefined);
});
