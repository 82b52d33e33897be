/**
 * Desired state end to end on a real 3-member etcd: apply (validated first, one
 * transaction), diff, rollback, label selection, what each host's agent
 * materialises, local-wins conflicts reported to the fleet, and rolling restart
 * driven through etcd alone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HearthError } from '../src/errors/index.js';
import type { FleetSettings } from '../src/config/index.js';
import { EtcdClient, FleetAdmin, FleetAgent, fleetKeys, openWatch, type MaterialisedSet, type WatchEvent } from '../src/fleet/index.js';
import { EtcdCluster } from './helpers/etcd-cluster.js';
import { eventually, tempDir } from './helpers/index.js';
import { writeTree } from './helpers/daemon.js';

interface Host {
  name: string;
  agent: FleetAgent;
  stateDir: string;
  changes: MaterialisedSet[];
  restarts: string[];
  failRestart?: string;
}

describe('fleet desired state on a real etcd cluster', () => {
  let cluster: EtcdCluster;
  let admin: FleetAdmin;
  let adminClient: EtcdClient;
  const dirs = tempDir('hearth-fleet-desired-');
  const hosts = new Map<string, Host>();

  const settings = (name: string, labels: Record<string, string>): FleetSettings => ({ endpoints: cluster.endpoints, name, labels, leaseTtlMs: 4000 });

  async function startHost(name: string, labels: Record<string, string>): Promise<Host> {
    const stateDir = join(dirs.path, 'state', name);
    const host: Host = { name, stateDir, changes: [], restarts: [], agent: undefined as unknown as FleetAgent };
    host.agent = await FleetAgent.create({
      settings: settings(name, labels),
      stateDir,
      reportIntervalMs: 50,
      onChange: (set) => void host.changes.push(set),
      onRestartRequest: async (unit) => {
        host.restarts.push(unit);
        if (host.failRestart === unit) throw new Error(`unit "${unit}" did not become ready`);
      },
    });
    host.agent.start();
    hosts.set(name, host);
    return host;
  }

  const fleetDir = (name: string, files: Record<string, string>) => {
    const dir = join(dirs.path, 'apply', name);
    writeTree(dir, files);
    return dir;
  };
  const servicesOf = (h: Host) => (h.agent.configDir ? readdirNames(join(h.agent.configDir, 'services')) : []);

  before(async () => {
    cluster = await EtcdCluster.start();
    adminClient = new EtcdClient({ endpoints: cluster.endpoints });
    admin = new FleetAdmin(adminClient);
    await Promise.all([
      startHost('web1', { role: 'web', dc: 'fra1' }),
      startHost('web2', { role: 'web', dc: 'ams1' }),
      startHost('db1', { role: 'db', dc: 'fra1' }),
    ]);
    await eventually(async () => (await admin.hosts()).filter((h) => h.up).length === 3, 15_000, 'three hosts up');
  });

  after(async () => {
    await Promise.all([...hosts.values()].map((h) => h.agent.stop()));
    adminClient?.close();
    await cluster?.stop();
    dirs.cleanup();
  });

  test('hosts() lists every host with its labels, up, and its report', async () => {
    hosts.get('web1')!.agent.publishUnits([{ name: 'sshd', kind: 'sysv', state: 'running', enabled: [2, 3, 4, 5], pids: 1, restarts: 0, findings: 0 }]);
    await eventually(async () => (await admin.hosts()).find((h) => h.name === 'web1')?.units.length === 1, 10_000, 'web1 report');
    const list = await admin.hosts();
    assert.deepEqual(list.map((h) => [h.name, h.up, h.labels.role]), [['db1', true, 'db'], ['web1', true, 'web'], ['web2', true, 'web']]);
    assert.deepEqual((await admin.hosts('dc=fra1')).map((h) => h.name), ['db1', 'web1']);
  });

  test('apply refuses a dir the checker rejects, before anything is written', async () => {
    const dir = fleetDir('bad', { 'services/web.toml': 'exec = 3\n' });
    const watcher = new EtcdClient({ endpoints: cluster.endpoints });
    const seen: WatchEvent[] = [];
    const start = (await watcher.range(fleetKeys.DESIRED, { prefix: true })).revision + 1;
    const w = await openWatch(watcher, { key: fleetKeys.DESIRED, prefix: true, startRevision: start, onEvents: (e) => seen.push(...e), onClose: () => {} });
    const check = () => [new HearthError('ERR_CONFIG_VALUE', '"exec" must be a list', { file: 'services/web.toml', line: 1, key: 'exec' })];
    const r = await admin.apply({ dir, selector: 'role=web', check });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.errors[0]!.toString(), 'services/web.toml:1: "exec" must be a list');
    // Prove nothing was written: a later write is the first event the watch sees.
    await watcher.put(`${fleetKeys.DESIRED}marker`, 'x');
    await eventually(() => seen.length > 0, 5000, 'the marker event');
    assert.deepEqual(seen.map((e) => e.kv.key), [`${fleetKeys.DESIRED}marker`]);
    await watcher.delete(`${fleetKeys.DESIRED}marker`);
    w.close();
    watcher.close();
  });

  test('apply by label reaches exactly the matching hosts, as one transaction', async () => {
    const dir = fleetDir('web-v1', {
      'services/web.toml': 'exec = ["/bin/sleep", "1000"]\n',
      'services/cache.toml': 'exec = ["/bin/sleep", "1000"]\n',
      'xinetd.d/daytime': 'service daytime\n{\n  type = INTERNAL\n}\n',
      'fleet.toml': '[enable]\nweb = [2, 3, 4, 5]\n',
    });
    const checked: string[] = [];
    const r = await admin.apply({ dir, selector: 'role=web', check: (d) => (checked.push(d), []) });
    assert.ok(r.ok && r.version === 1 && !r.unchanged, JSON.stringify(r));
    assert.deepEqual(checked, [dir]);
    await eventually(() => servicesOf(hosts.get('web1')!).length === 2 && servicesOf(hosts.get('web2')!).length === 2, 10_000, 'web hosts to materialise');
    assert.deepEqual(servicesOf(hosts.get('web1')!), ['cache.toml', 'web.toml']);
    assert.equal(readFileSync(join(hosts.get('web2')!.agent.configDir!, 'xinetd.d', 'daytime'), 'utf8'), 'service daytime\n{\n  type = INTERNAL\n}\n');
    assert.deepEqual(servicesOf(hosts.get('db1')!), []);
    // Each web host saw the bundle arrive whole: one change, with every file.
    for (const name of ['web1', 'web2']) {
      const changes = hosts.get(name)!.changes.filter((c) => c.bundles['role=web'] !== undefined);
      assert.equal(changes.length, 1);
      assert.deepEqual(changes[0]!.units, ['cache', 'daytime', 'web']);
    }
    // Hosts report which version they run.
    await eventually(async () => (await admin.hosts('role=web')).every((h) => h.applied?.bundles['role=web'] === 1), 10_000, 'reports of version 1');
    const again = await admin.apply({ dir, selector: 'role=web' });
    assert.ok(again.ok && again.unchanged, 'applying the same dir again writes nothing');
  });

  test('diff shows file changes and which hosts the bundle reaches', async () => {
    const dir = fleetDir('web-v2', { 'services/web.toml': 'exec = ["/bin/sleep", "2000"]\n', 'xinetd.d/daytime': 'service daytime\n{\n  type = INTERNAL\n}\n' });
    const d = await admin.diff({ dir, selector: 'role=web' });
    assert.deepEqual(d.files.map((f) => [f.path, f.change]), [['fleet.toml', 'removed'], ['services/cache.toml', 'removed'], ['services/web.toml', 'changed']]);
    assert.deepEqual(d.files[2]!.lines.map((l) => l.op + l.text), ['+exec = ["/bin/sleep", "2000"]', '-exec = ["/bin/sleep", "1000"]', ' ']);
    assert.deepEqual([d.hostsBefore, d.hostsAfter], [['web1', 'web2'], ['web1', 'web2']]);
    const wider = await admin.diff({ dir, selector: 'role=web', bundle: 'role=web' });
    assert.equal(wider.selectorBefore, 'role=web');
  });

  test('rollback restores the previous version as a new version', async () => {
    const v2 = fleetDir('web-v2b', { 'services/web.toml': 'exec = ["/bin/sleep", "2000"]\n' });
    const r2 = await admin.apply({ dir: v2, selector: 'role=web' });
    assert.ok(r2.ok && r2.version === 2);
    await eventually(() => servicesOf(hosts.get('web1')!).join() === 'web.toml', 10_000, 'v2 on web1');
    const rb = await admin.rollback('role=web');
    assert.ok(rb.ok && rb.version === 3, JSON.stringify(rb));
    await eventually(() => servicesOf(hosts.get('web1')!).join() === 'cache.toml,web.toml', 10_000, 'v1 back on web1');
    const history = await admin.history('role=web');
    assert.deepEqual(history.map((h) => [h.version, h.rolledBackFrom]), [[1, undefined], [2, undefined], [3, 1]]);
    await assert.rejects(admin.rollback('role=web', { to: 9 }), /no version 9 to roll back to/);
  });

  test('two applies to one bundle at once: one is written, the other is refused and writes nothing', async () => {
    // Both applies read the bundle before either writes: hold each transaction until both are ready to send.
    const ready: Array<() => void> = [];
    const gated = new Proxy(adminClient, {
      get(target, prop) {
        if (prop === 'txn') {
          return async (...args: Parameters<EtcdClient['txn']>) => {
            await new Promise<void>((go) => {
              ready.push(go);
              if (ready.length === 2) for (const g of ready) g();
            });
            return target.txn(...args);
          };
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const racer = new FleetAdmin(gated);
    const a = fleetDir('race-a', { 'services/r.toml': 'exec = ["/bin/sleep", "1"]\n' });
    const b = fleetDir('race-b', { 'services/r.toml': 'exec = ["/bin/sleep", "2"]\n' });
    const results = await Promise.allSettled([racer.apply({ dir: a, selector: 'role=none', bundle: 'race' }), racer.apply({ dir: b, selector: 'role=none', bundle: 'race' })]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1, JSON.stringify(results));
    assert.equal(lost.length, 1);
    assert.match(String(lost[0]!.reason), /bundle "race" was changed by someone else while this apply ran; nothing was written/);
    const history = await admin.history('race');
    assert.deepEqual(history.map((h) => h.version), [1], 'one version: the loser wrote neither bundle nor history');
    const winner = results[0]!.status === 'fulfilled' ? '1' : '2';
    assert.equal(history[0]!.files['services/r.toml'], `exec = ["/bin/sleep", "${winner}"]\n`);
  });

  test('history keeps the last N versions, trimmed in the same transaction', async () => {
    for (let i = 1; i <= 4; i++) {
      const dir = fleetDir(`trim-${i}`, { 'services/t.toml': `exec = ["/bin/sleep", "${i}"]\n` });
      assert.ok((await admin.apply({ dir, selector: 'role=none', bundle: 'trim', keepHistory: 2 })).ok);
    }
    assert.deepEqual((await admin.history('trim')).map((h) => h.version), [3, 4]);
    await assert.rejects(admin.rollback('trim', { to: 1 }), /kept versions: 3, 4/);
    assert.ok((await admin.remove('trim')).ok);
  });

  test('a host bundle overrides a label bundle; a local unit of the same name wins and is reported', async () => {
    const dir = fleetDir('host-web1', { 'services/web.toml': 'exec = ["/bin/sleep", "3000"]\n' });
    assert.ok((await admin.apply({ dir, selector: 'host=web1' })).ok);
    const web1 = hosts.get('web1')!;
    await eventually(() => readFileSync(join(web1.agent.configDir!, 'services', 'web.toml'), 'utf8').includes('3000'), 10_000, 'host bundle on web1');
    web1.agent.setLocalUnits(['cache', 'sshd']);
    await eventually(async () => {
      const h = (await admin.hosts('host=web1'))[0]!;
      return h.conflicts.some((c) => c.unit === 'cache' && c.winner === 'local' && c.bundle === 'role=web');
    }, 10_000, 'the local-wins conflict in etcd');
    const h = (await admin.hosts('host=web1'))[0]!;
    assert.ok(h.conflicts.some((c) => c.unit === 'services/web.toml' && c.bundle === 'role=web' && c.winner === 'host=web1'));
    assert.deepEqual(web1.agent.shadowedUnits(), ['cache']);
    assert.ok((await admin.remove('host=web1')).ok);
    await eventually(() => readFileSync(join(web1.agent.configDir!, 'services', 'web.toml'), 'utf8').includes('1000'), 10_000, 'role bundle back on web1');
  });

  test('rolling restart through etcd goes host by host and stops at the first failure, saying where', async () => {
    const order: string[] = [];
    const ok = await admin.restart('web', { selector: 'role=web', timeoutMs: 10_000, onProgress: (p) => order.push(`${p.phase} ${p.host}`) });
    assert.deepEqual(ok, { ok: true, done: ['web1', 'web2'] });
    assert.deepEqual(order, ['restarting web1', 'ready web1', 'restarting web2', 'ready web2']);
    assert.deepEqual([hosts.get('web1')!.restarts, hosts.get('web2')!.restarts, hosts.get('db1')!.restarts], [['web'], ['web'], []]);

    hosts.get('web1')!.failRestart = 'web';
    const failed = await admin.restart('web', { selector: '*', timeoutMs: 10_000 });
    assert.equal(failed.ok, false);
    assert.ok(!failed.ok);
    assert.deepEqual(failed.done, ['db1']);
    assert.equal(failed.failed[0]!.host, 'web1');
    assert.match(failed.failed[0]!.error, /host "web1" could not restart "web": unit "web" did not become ready/);
    assert.deepEqual(failed.notStarted, ['web2']);
    assert.equal(hosts.get('web2')!.restarts.length, 1, 'web2 was not restarted after web1 failed');
    // The request was on the requester's lease: nothing is left behind for a host to act on later.
    assert.equal((await adminClient.range(fleetKeys.CONTROL, { prefix: true })).kvs.length, 0);
  });

  test('status and audit roll up the hosts\' reports', async () => {
    hosts.get('db1')!.agent.publishUnits([
      { name: 'telnet', kind: 'inetd', state: 'listening', enabled: [3], pids: 0, restarts: 0, findings: 2 },
      { name: 'postgresql', kind: 'sysv', state: 'failed', enabled: [2, 3], pids: 0, restarts: 3, findings: 0, lastFailure: { at: 1, reason: 'exit 1' } },
    ]);
    await eventually(async () => (await admin.status('postgresql')).some((r) => r.host === 'db1' && r.state === 'failed'), 10_000, 'db1 report');
    const rows = await admin.status('postgresql');
    assert.deepEqual(rows.map((r) => [r.host, r.state]), [['db1', 'failed'], ['web1', 'absent'], ['web2', 'absent']]);
    assert.equal((await admin.hosts('host=db1'))[0]!.unitsFailing, 1);
    const audit = await admin.audit();
    const db = audit.find((a) => a.host === 'db1')!;
    assert.equal(db.findings, 2);
    assert.equal(db.units[0]!.name, 'telnet');
    assert.equal(db.units[0]!.risk, 'high');
  });

  test('a host that stops leaves the fleet at once; its set stays on disk', async () => {
    const web2 = hosts.get('web2')!;
    const dir = web2.agent.configDir!;
    await web2.agent.stop();
    hosts.delete('web2');
    await eventually(async () => (await admin.hosts('host=web2'))[0]?.up === false, 5000, 'web2 down');
    assert.ok(existsSync(join(dir, 'services', 'web.toml')));
  });
});

function readdirNames(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
