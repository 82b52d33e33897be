import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_BACKOFF, DEFAULT_LOG, type ServiceDefinition } from '../model/index.js';
import { definitionChange, definitionHash, definitionsEqual } from './definitions-equal.js';

const base: ServiceDefinition = {
  name: 'web',
  description: 'the web server',
  origin: { format: 'toml', file: 'services/web.toml', line: 1 },
  exec: ['/usr/bin/web'],
  environment: { PORT: '8080' },
  rlimits: {},
  type: 'simple',
  restart: 'on-failure',
  backoff: DEFAULT_BACKOFF,
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 10_000,
  reloadSignal: 'SIGHUP',
  ready: { kind: 'log', pattern: /listening/ },
  startTimeoutMs: 5000,
  listen: [],
  activation: 'start',
  runlevels: [2, 3, 4, 5],
  requires: [],
  after: [],
  before: [],
  provides: [],
  log: DEFAULT_LOG,
};

describe('definition changes on reload', () => {
  test('the same settings are no change, even on another line of the file', () => {
    assert.deepEqual(definitionChange(base, { ...base, origin: { ...base.origin, line: 7 } }), { kind: 'none' });
    assert.ok(definitionsEqual(base, { ...base }));
  });

  test('settings the process never sees apply in place, named as the file names them', () => {
    const changed: ServiceDefinition = {
      ...base,
      description: 'a new description',
      runlevels: [3],
      requires: ['db'],
      restart: 'always',
      backoff: { ...DEFAULT_BACKOFF, initialDelayMs: 1 },
      stopSignal: 'SIGINT',
      stopTimeoutMs: 1,
      reloadSignal: 'SIGUSR1',
      killMode: 'mixed',
      startTimeoutMs: 1,
      log: { ...DEFAULT_LOG, keep: 1 },
    };
    assert.deepEqual(definitionChange(base, changed), {
      kind: 'live',
      settings: ['description', 'runlevels', 'requires', 'restart', 'restart_delay…', 'stop_signal', 'stop_timeout', 'reload_signal', 'kill_mode', 'start_timeout', 'log_…'],
    });
    assert.ok(!definitionsEqual(base, changed));
    assert.equal(definitionHash(changed), definitionHash(base), 'crash recovery does not restart for them either');
  });

  test('anything the process sees restarts it, alone or beside a live change', () => {
    const restarts: Array<Partial<ServiceDefinition>> = [
      { exec: ['/usr/bin/web', '-v'] },
      { user: 'nobody' },
      { group: 'nogroup' },
      { environment: { PORT: '8081' } },
      { environmentFile: '/etc/default/web' },
      { workingDirectory: '/srv' },
      { umask: 0o077 },
      { nice: 5 },
      { rlimits: { nofile: { soft: 10, hard: 10 } } },
      { limits: { memoryMax: 1 << 20 } },
      { listen: ['tcp://127.0.0.1:8080'] },
      { type: 'forking', pidFile: '/run/web.pid' },
      { ready: { kind: 'log', pattern: /ready/ } },
      { ready: { kind: 'tcp', host: '127.0.0.1', port: 8080 } },
      { activation: 'on-demand' },
      { origin: { format: 'toml', file: 'services/other.toml' } },
    ];
    for (const r of restarts) {
      assert.deepEqual(definitionChange(base, { ...base, ...r }), { kind: 'restart' }, JSON.stringify(r));
      assert.deepEqual(definitionChange(base, { ...base, ...r, description: 'new' }), { kind: 'restart' }, JSON.stringify(r));
      assert.notEqual(definitionHash({ ...base, ...r }), definitionHash(base), JSON.stringify(r));
    }
  });
});
