import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceStatus } from '../model/index.js';
import { FailureLog, findingsByUnit, unitSummaries } from './fleet-summary.js';

const unit = (name: string, over: Partial<ServiceStatus> = {}): ServiceStatus => ({
  name,
  description: '',
  kind: 'service',
  state: 'running',
  pid: 10,
  startedAt: 1,
  readyAt: 1,
  restarts: 0,
  lastExit: null,
  source: `services/${name}.toml`,
  ...over,
});

describe('fleet unit summaries', () => {
  test('a crash is remembered with the exit that caused it; an operator stop is no failure', () => {
    const log = new FailureLog();
    assert.equal(log.observe({ type: 'service.exit', at: 5, name: 'web', pid: 10, code: null, signal: 'SIGTERM' }), true);
    assert.equal(log.observe({ type: 'service.state', at: 6, name: 'web', from: 'stopping', to: 'stopped', pid: null }), true);
    assert.equal(log.get('web'), undefined);
    log.observe({ type: 'service.exit', at: 7, name: 'web', pid: 11, code: 3, signal: null });
    log.observe({ type: 'service.state', at: 8, name: 'web', from: 'running', to: 'backoff', pid: null });
    assert.deepEqual(log.get('web'), { at: 8, reason: 'exited with code 3' });
    log.observe({ type: 'timer.run', at: 9, name: 'backup', change: 'finished', code: 1, signal: null, durationMs: 5 });
    assert.deepEqual(log.get('backup'), { at: 9, reason: 'run exited with code 1' });
    assert.equal(log.observe({ type: 'daemon.log', at: 1, level: 'info', message: 'x' }), false, 'hearthd talking is no unit change');
  });

  test('rows carry the enabled levels, a pid count, restarts, findings and the last failure', () => {
    const log = new FailureLog();
    log.observe({ type: 'service.error', at: 3, name: 'api', message: 'executable not found' });
    const findings = findingsByUnit({ at: 0, findings: [{ id: 'risky-service', severity: 'high', service: 'telnetd', title: 't', evidence: 'e', fix: 'f' }, { id: 'x', severity: 'low', title: 'no unit', evidence: '', fix: '' }] });
    const rows = unitSummaries(
      [unit('api', { state: 'failed', pid: null, restarts: 4, levels: [false, false, true, true, false, false, false] }), unit('telnetd', { kind: 'inetd' })],
      log,
      findings,
    );
    assert.deepEqual(rows, [
      { name: 'api', kind: 'service', state: 'failed', enabled: [2, 3], pids: 0, restarts: 4, findings: 0, lastFailure: { at: 3, reason: 'executable not found' } },
      { name: 'telnetd', kind: 'inetd', state: 'running', enabled: [], pids: 1, restarts: 0, findings: 1 },
    ]);
  });
});
