/**
 * The RBAC roles printRoles() prints, applied with the real etcdctl to a real
 * etcd with auth enabled: a host can do its job (register, read desired state,
 * answer requests) and nothing else — it cannot write another host's keys,
 * the desired state, or read another host's requests.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EtcdClient, EtcdError, FleetAdmin, FleetAgent, fleetKeys, hostRole, openFleetClient, printRoles } from '../src/fleet/index.js';
import { EtcdCluster } from './helpers/etcd-cluster.js';
import { eventually, tempDir } from './helpers/index.js';
import { writeTree } from './helpers/daemon.js';

const PASSWORDS: Record<string, string> = { root: 'root-secret', 'hearth-admin': 'admin-secret', [hostRole('web1')]: 'web1-secret', [hostRole('web2')]: 'web2-secret' };

describe('fleet RBAC on a real etcd with auth enabled', () => {
  let cluster: EtcdCluster;
  const dirs = tempDir('hearth-fleet-rbac-');
  const clients: EtcdClient[] = [];
  const as = (user: string | undefined, password = user ? PASSWORDS[user]! : '') => {
    const c = new EtcdClient({ endpoints: cluster.endpoints, ...(user ? { auth: { user, password } } : {}), requestTimeoutMs: 3000 });
    clients.push(c);
    return c;
  };
  const refusal = async (p: Promise<unknown>): Promise<EtcdError> => {
    const e = await p.then(() => undefined, (err: unknown) => err);
    assert.ok(e instanceof EtcdError, `expected etcd to refuse, got ${String(e)}`);
    return e;
  };

  before(async () => {
    cluster = await EtcdCluster.start({ size: 1 });
    for (const cmd of printRoles({ hosts: ['web1', 'web2'], enableAuth: true })) {
      const user = cmd.argv[0] === 'user' && cmd.argv[1] === 'add' ? cmd.argv[2]! : undefined;
      const r = await cluster.etcdctl(cmd.argv, { ...(cmd.readsPassword && user ? { stdin: `${PASSWORDS[user]}\n` } : {}) });
      assert.equal(r.code, 0, `etcdctl ${cmd.argv.join(' ')}: ${r.stderr}`);
    }
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
    dirs.cleanup();
  });

  test('auth is on: a client without a user is refused', async () => {
    const e = await refusal(as(undefined).put('/hearth/hosts/web1/report', 'x'));
    assert.ok(['auth', 'permission'].includes(e.kind), e.message);
  });

  test('a wrong password is an auth error', async () => {
    const e = await refusal(as(hostRole('web1'), 'wrong').get('/hearth/desired/bundles/x'));
    assert.equal(e.kind, 'auth');
  });

  test('a host writes its own keys and reads desired state and its own requests', async () => {
    const web1 = as(hostRole('web1'));
    await web1.put(fleetKeys.reportKey('web1'), '{}');
    await web1.range(fleetKeys.DESIRED, { prefix: true });
    await web1.range(fleetKeys.controlPrefix('web1'), { prefix: true });
  });

  test('a host cannot write another host\'s keys, the desired state, or read another host\'s requests', async () => {
    const web1 = as(hostRole('web1'));
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['write web2\'s report', () => web1.put(fleetKeys.reportKey('web2'), '{"forged":true}')],
      ['take web2\'s alive key', () => web1.put(fleetKeys.aliveKey('web2'), 'x')],
      ['delete web2\'s keys', () => web1.delete(fleetKeys.hostPrefix('web2'), { prefix: true })],
      ['write desired state', () => web1.put(fleetKeys.bundleKey('all'), '{}')],
      ['write a request to web2', () => web1.put(fleetKeys.requestKey('web2'), '{}')],
      ['read web2\'s requests', () => web1.range(fleetKeys.controlPrefix('web2'), { prefix: true })],
      ['smuggle a write to web2 into a transaction', () => web1.txn([], [{ put: { key: fleetKeys.reportKey('web1'), value: 'ok' } }, { put: { key: fleetKeys.reportKey('web2'), value: 'forged' } }])],
    ];
    for (const [what, attempt] of attempts) {
      const e = await refusal(attempt());
      assert.equal(e.kind, 'permission', `${what}: ${e.message}`);
    }
    const admin = as('hearth-admin');
    assert.equal(await admin.get(fleetKeys.reportKey('web2')), undefined, 'nothing of web2 was written');
    assert.equal((await admin.get(fleetKeys.reportKey('web1')))?.value, '{}', 'the transaction with a forged write did nothing');
  });

  test('with only these roles a host agent and the admin do the whole job', async () => {
    const passwordFile = join(dirs.path, 'web1.password');
    writeFileSync(passwordFile, `${PASSWORDS[hostRole('web1')]}\n`, { mode: 0o600 });
    const settings = { endpoints: cluster.endpoints, name: 'web1', labels: { role: 'web' }, leaseTtlMs: 3000, user: hostRole('web1'), passwordFile };
    const restarted: string[] = [];
    const agent = await FleetAgent.create({ settings, stateDir: join(dirs.path, 'state'), reportIntervalMs: 50, onRestartRequest: async (u) => void restarted.push(u) });
    agent.start();
    const adminClient = await openFleetClient({ ...settings, name: 'admin', user: 'hearth-admin', passwordFile: writePassword(dirs.path, 'admin', PASSWORDS['hearth-admin']!) });
    clients.push(adminClient);
    const admin = new FleetAdmin(adminClient);
    try {
      await eventually(async () => (await admin.hosts())[0]?.up === true, 10_000, 'web1 registered');
      const dir = join(dirs.path, 'apply');
      writeTree(dir, { 'services/web.toml': 'exec = ["/bin/true"]\n' });
      assert.ok((await admin.apply({ dir, selector: 'role=web' })).ok);
      await eventually(() => agent.status().set?.units.join() === 'web', 10_000, 'web1 to materialise');
      const r = await admin.restart('web', { selector: 'role=web', timeoutMs: 10_000 });
      assert.deepEqual(r, { ok: true, done: ['web1'] });
      assert.deepEqual(restarted, ['web']);
      assert.equal(agent.status().link.state, 'connected');
    } finally {
      await agent.stop();
    }
  });
});

function writePassword(dir: string, name: string, password: string): string {
  const file = join(dir, `${name}.password`);
  writeFileSync(file, password, { mode: 0o600 });
  return file;
}
