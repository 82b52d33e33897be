import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stateEvent } from './events.js';

test('stateEvent carries a detail only when there is one, and the time given', () => {
  assert.deepEqual(stateEvent('web', 'starting', 'running', 42, undefined, 7), { type: 'service.state', at: 7, name: 'web', from: 'starting', to: 'running', pid: 42 });
  assert.deepEqual(stateEvent('web', 'running', 'failed', null, 'exit 1', 8), { type: 'service.state', at: 8, name: 'web', from: 'running', to: 'failed', pid: null, detail: 'exit 1' });
  assert.ok(Math.abs(stateEvent('web', 'stopped', 'starting', null).at - Date.now()) < 1000);
});
