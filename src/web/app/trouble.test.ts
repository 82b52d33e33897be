import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeService } from '../../control/index.js';
import { crashedAt, troubleOf } from './trouble.js';

const NOW = 1_800_000_000_000;

test('a broken, failed or backing-off service says why; a healthy one says nothing', () => {
  assert.equal(troubleOf(fakeService('a', { state: 'broken', errors: ['services/a.toml:2: bad "exec"'] }), undefined, NOW), 'services/a.toml:2: bad "exec"');
  assert.equal(troubleOf(fakeService('b', { state: 'failed', lastExit: { code: 1, signal: null, at: NOW } }), undefined, NOW), 'exit code 1');
  assert.equal(troubleOf(fakeService('c', { state: 'backoff', detail: 'restart in 2s' }), undefined, NOW), 'restart in 2s');
  assert.equal(troubleOf(fakeService('d', { state: 'running' }), undefined, NOW), undefined);
});

test('a service that crashed a moment ago and was restarted counts while it runs', () => {
  const flaky = fakeService('flaky', { state: 'running', restarts: 4, lastExit: { code: 1, signal: null, at: NOW - 3000 } });
  assert.equal(crashedAt(flaky), NOW - 3000);
  assert.equal(troubleOf(flaky, crashedAt(flaky), NOW), 'crash-looping: 4 restarts, last crash 3s ago');
  assert.equal(troubleOf(flaky, crashedAt(flaky), NOW + 120_000), undefined, 'a minute later it has settled');
  assert.equal(crashedAt(fakeService('e', { restarts: 0, lastExit: { code: 0, signal: null, at: NOW } })), undefined);
});
