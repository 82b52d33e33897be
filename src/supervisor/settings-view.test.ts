import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServiceFile } from '../config/index.js';
import { serviceSettings } from './settings-view.js';

test('configured durations are shown to the millisecond: 1500ms is 1.5s, not 1s', () => {
  const r = parseServiceFile('web', 'services/web.toml', 'exec = ["/bin/true"]\nstart_timeout = "1500ms"\nstop_timeout = "90s"\n');
  assert.deepEqual(r.errors.map(String), []);
  const s = serviceSettings(r.definition!);
  assert.equal(s.start_timeout, '1.5s');
  assert.equal(s.stop_timeout, '1min 30s');
});
