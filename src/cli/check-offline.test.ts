import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HearthError } from '../errors/index.js';
import { toReport } from './check-offline.js';

test('toReport turns loader results into the API\'s ConfigReport, broken files\' errors included once', () => {
  const unknownKey = new HearthError('ERR_CONFIG_UNKNOWN_KEY', 'unknown key "restrat"', {
    file: 'services/bad.toml',
    line: 2,
    key: 'restrat',
    hint: 'did you mean "restart"?',
  });
  const report = toReport({
    configDir: '/c',
    services: new Map([['ok', {}]]),
    broken: [{ name: 'bad', file: 'services/bad.toml', errors: [unknownKey] }],
    errors: [unknownKey],
    warnings: [new HearthError('ERR_CONFIG_VALUE', 'obsolete', { file: 'inetd.conf', line: 4 })],
  });
  assert.deepEqual(report, {
    configDir: '/c',
    ok: false,
    services: ['ok'],
    errors: [
      {
        code: 'ERR_CONFIG_UNKNOWN_KEY',
        message: 'unknown key "restrat"',
        file: 'services/bad.toml',
        line: 2,
        key: 'restrat',
        hint: 'did you mean "restart"?',
        text: 'services/bad.toml:2: unknown key "restrat" (did you mean "restart"?)',
      },
    ],
    warnings: [{ message: 'obsolete', file: 'inetd.conf', line: 4, text: 'inetd.conf:4: obsolete' }],
  });
});
