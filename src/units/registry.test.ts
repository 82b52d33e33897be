import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadedConfig } from '../config/index.js';
import type { ServiceStatus } from '../model/index.js';
import type { ApplyReport, UnitBackend } from './backend.js';
import { UnitRegistry } from './registry.js';

/** A backend listing fixed names, whose apply reports every name as unchanged (or as given). */
function backend(kind: string, names: string[], report: Partial<ApplyReport> = {}): UnitBackend {
  const status = (name: string) => ({ name, kind, state: 'stopped' }) as unknown as ServiceStatus;
  return {
    kind,
    apply: async () => ({ added: [], changed: [], removed: [], unchanged: names, ...report }),
    names: () => names,
    lists: (name) => names.includes(name),
    has: (name) => names.includes(name),
    list: () => names.map(status),
    detail: async (name) => (names.includes(name) ? status(name) : undefined),
    act: async () => 'running',
    runlevelUnit: (name) => ({ name }) as never,
    isUp: () => false,
    shutdown: async () => {},
  };
}

const config = {} as LoadedConfig;

describe('UnitRegistry', () => {
  test('one kind of unit: every name is its own unit, none is shadowed, and the apply report is the backend’s', async () => {
    const registry = new UnitRegistry();
    registry.register(backend('service', ['b', 'a', 'c'], { unchanged: ['b', 'a'], added: ['c'] }));
    registry.register(backend('sysv', []));
    const report = await registry.apply(config, 'reload');
    assert.deepEqual(report, { added: ['c'], changed: [], removed: [], unchanged: ['a', 'b'], shadowed: [] });
    assert.deepEqual(registry.names(), ['b', 'a', 'c']);
    assert.deepEqual(registry.list().map((s) => s.name), ['a', 'b', 'c']);
    assert.equal(registry.kindOf('a'), 'service');
    assert.equal(registry.find('nope'), undefined);
    assert.equal(registry.runlevelUnits().length, 3);
  });

  test('two kinds with one name: the first registered is the unit, the other is shadowed and speaks for nothing', async () => {
    const registry = new UnitRegistry();
    registry.register(backend('service', ['cron', 'web']));
    registry.register(backend('sysv', ['cron', 'ssh'], { changed: ['cron'], unchanged: ['ssh'] }));
    const report = await registry.apply(config, 'reload');
    assert.deepEqual(report.shadowed, [{ name: 'cron', kind: 'sysv', by: 'service' }]);
    assert.deepEqual(report.changed, [], 'the shadowed script changed, not the unit');
    assert.deepEqual(report.unchanged, ['cron', 'ssh', 'web']);
    assert.deepEqual(registry.list().map((s) => `${s.name}:${s.kind}`), ['cron:service', 'ssh:sysv', 'web:service']);
    assert.equal(registry.kindOf('cron'), 'service');
  });

  test('"x" and "x.service" are one unit: a service file beats a systemd unit, and the exact name beats the suffixed one', async () => {
    const registry = new UnitRegistry();
    registry.register(backend('service', ['nginx']));
    registry.register(backend('systemd', ['nginx.service', 'sshd.service']));
    const report = await registry.apply(config, 'reload');
    assert.deepEqual(report.shadowed, [{ name: 'nginx.service', kind: 'systemd', by: 'service' }]);
    assert.deepEqual(registry.list().map((s) => `${s.name}:${s.kind}`), ['nginx:service', 'sshd.service:systemd']);
    assert.equal(registry.resolve('sshd'), 'sshd.service');

    // One kind alone, listing both spellings: the exact name is the unit.
    const alone = new UnitRegistry();
    alone.register(backend('systemd', ['db.service', 'db']));
    await alone.apply(config, 'reload');
    assert.deepEqual(alone.names(), ['db']);
    assert.deepEqual(alone.list().map((s) => s.name), ['db']);
  });
});
