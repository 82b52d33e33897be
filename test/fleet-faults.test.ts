/**
 * Fault injection for the fleet on a real 3-member etcd: a member killed, two
 * members killed (no quorum), a host cut off from etcd while the fleet changes,
 * a host killed with SIGKILL (its lease must expire), and a host restarted
 * while etcd is away (it runs its last set).
 */
import { after, before, describe, test as nodeTest, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FleetSettings } from '../src/config/index.js';
import { EtcdClient, FleetAdmin, FleetAgent, fleetKeys, type MaterialisedSet } from '../src/fleet/index.js';
import { EtcdCluster } from './helpers/etcd-cluster.js';
import { REPO, eventually, tempDir } from './helpers/index.js';
import { writeTree } from './helpers/daemon.js';

const TTL_MS = 3000;

describe('fleet faults on a real etcd cluster', () => {
  let cluster: EtcdCluster;
  let adminClient: EtcdClient;
  let admin: FleetAdmin;
  const dirs = tempDir('hearth-fleet-faults-');
  const agents: FleetAgent[] = [];
  let applies = 0;

  // Each test prints the tail of every etcd member's log when it fails: what etcd did meanwhile (a revoke that
  // timed out, an election) is most of what there is to know about a failure here, and it cannot be run again.
  const test = (name: string, body: (t: TestContext) => Promise<void>) => nodeTest(name, (t) => cluster.diagnose(t, () => body(t)));

  const settings = (name: string, endpoints = cluster.endpoints): FleetSettings => ({ endpoints, name, labels: { role: 'web' }, leaseTtlMs: TTL_MS });
  async function agent(name: string, endpoints?: string[], changes: MaterialisedSet[] = [], requestTimeoutMs = 1500): Promise<FleetAgent> {
    const a = await FleetAgent.create({ settings: settings(name, endpoints), stateDir: join(dirs.path, name), reportIntervalMs: 50, requestTimeoutMs, onChange: (s) => void changes.push(s) });
    a.start();
    agents.push(a);
    return a;
  }
  async function applyUnits(units: string[]): Promise<void> {
    const dir = join(dirs.path, `apply-${++applies}`);
    writeTree(dir, Object.fromEntries(units.map((u) => [`services/${u}.toml`, `exec = ["/bin/sleep", "${applies}"]\n`])));
    const r = await admin.apply({ dir, selector: 'role=web' });
    assert.ok(r.ok, JSON.stringify(r));
  }
  const unitsOn = (a: FleetAgent) => (a.configDir ? readdirSync(join(a.configDir, 'services')).map((f) => f.replace(/\.toml$/, '')).sort() : []);

  before(async () => {
    cluster = await EtcdCluster.start();
    // The CLI's deadline (the client's default), so the admin rides out what an admin would.
    adminClient = new EtcdClient({ endpoints: cluster.endpoints });
    admin = new FleetAdmin(adminClient);
  });
  after(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    adminClient?.close();
    await cluster?.stop();
    dirs.cleanup();
  });

  test('a host killed with SIGKILL shows down within its lease TTL, and comes back up when restarted', async (t) => {
    const stateDir = join(dirs.path, 'web3');
    const start = () => spawnAgent(settings('web3'), stateDir);
    let child = await start();
    try {
      await eventually(async () => (await admin.hosts('host=web3'))[0]?.up === true, 15_000, 'web3 up');
      const termBefore = (await adminClient.status()).raftTerm;
      const killedAt = Date.now();
      child.kill('SIGKILL');
      // Generous: on a starved machine etcd may elect leaders again and again, and each election gives every lease a fresh TTL.
      await eventually(async () => (await admin.hosts('host=web3'))[0]?.up === false, 60_000, 'web3 down').catch(async (e: Error) => {
        // What etcd says of the lease the alive key is on: kept alive (by whom?), past its expiry, or gone.
        const alive = await adminClient.get(fleetKeys.aliveKey('web3'));
        const ttl = alive && (await adminClient.leaseTimeToLive(alive.lease).catch((err: Error) => err.message));
        const lease = alive ? `alive key on lease ${alive.lease}: ${JSON.stringify(ttl)}` : 'no alive key';
        throw new Error(`${e.message} (raft term ${termBefore} before the kill, ${(await adminClient.status()).raftTerm} now; ${lease})`);
      });
      const downAfter = Date.now() - killedAt;
      const reelected = (await adminClient.status()).raftTerm !== termBefore;
      t.diagnostic(`web3 showed down ${downAfter} ms after SIGKILL with a ${TTL_MS} ms lease${reelected ? ' (etcd elected a new leader meanwhile)' : ''}`);
      // etcd checks lease expiry on its leader every 500 ms; allow that and one poll on top of the TTL.
      // A new leader gives every lease a fresh TTL (etcd's own rule, against early expiry), so then only "down" is checked.
      if (!reelected) assert.ok(downAfter <= TTL_MS + 1000, `web3 showed down ${downAfter} ms after SIGKILL (TTL ${TTL_MS} ms)`);
      child = await start();
      await eventually(async () => (await admin.hosts('host=web3'))[0]?.up === true, 15_000, 'web3 up again');
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('one member killed: the fleet keeps working; two killed: hosts report unreachable, keep their set, and catch up when quorum returns', async (t) => {
    // Whatever happens here, the tests after it get all three members back.
    t.after(() => cluster.restartKilled());
    const changes: MaterialisedSet[] = [];
    const web1 = await agent('web1', undefined, changes);
    await applyUnits(['a', 'b']);
    await eventually(() => unitsOn(web1).join() === 'a,b', 10_000, 'a,b on web1');

    await cluster.kill(0);
    // Member 0 may have been the leader, and on a starved machine the election can outlast any
    // one request's deadline (an admin would run apply again): wait for the new leader.
    await cluster.waitHealthy();
    await applyUnits(['a', 'b', 'c']);
    await eventually(() => unitsOn(web1).join() === 'a,b,c', 15_000, 'a,b,c on web1 with one member down');
    // Its member may have been the one killed: it moves on by itself.
    await eventually(() => web1.status().link.state === 'connected', 10_000, 'web1 connected with one member down');

    await cluster.kill(1);
    await eventually(() => web1.status().link.state === 'retrying', 15_000, 'web1 to notice etcd is unreachable');
    const link = web1.status().link;
    assert.ok(link.state === 'retrying' && link.lastError.length > 0);
    await eventually(() => web1.status().desired === 'stale', 20_000, 'web1 to say it runs a stale set');
    assert.ok(web1.status().lastSyncError, 'the reason is shown');
    // Reported state changes during the outage are kept and land later.
    web1.publishUnits([{ name: 'c', kind: 'native', state: 'running', enabled: [3], pids: 1, restarts: 0, findings: 0 }]);
    assert.deepEqual(unitsOn(web1), ['a', 'b', 'c'], 'the last set stays in place');
    const changesBefore = changes.length;

    await Promise.all([cluster.restart(0), cluster.restart(1)]);
    await cluster.waitHealthy();
    await eventually(() => web1.status().link.state === 'connected', 20_000, 'web1 to reconnect');
    assert.equal(changes.length, changesBefore, 'nothing changed in etcd, so nothing was rewritten');
    await applyUnits(['a', 'c', 'd']);
    await eventually(() => unitsOn(web1).join() === 'a,c,d', 20_000, 'the change after quorum returned');
    await eventually(async () => {
      const h = (await admin.hosts('host=web1'))[0]!;
      return h.up && h.units.length === 1 && h.applied?.bundles['role=web'] === 3;
    }, 20_000, 'web1 report with the unit published during the outage and version 3');
    // No duplicate or lost unit: each materialised set held exactly its version's units, once each.
    const last = changes.at(-1)!;
    assert.deepEqual(last.units, ['a', 'c', 'd']);
    assert.deepEqual([...new Set(changes.map((c) => c.hash))].length, changes.length, 'no set was materialised twice');
    await web1.stop();
  });

  test('a host cut off from etcd keeps its set while the fleet changes, then catches up', async () => {
    // web2 can only reach member 2; pausing it cuts web2 off while members 0 and 1 keep quorum.
    const web2 = await agent('web2', [cluster.endpoints[2]!]);
    await applyUnits(['p']);
    await eventually(() => unitsOn(web2).join() === 'p', 15_000, 'p on web2');
    cluster.pause(2);
    try {
      await eventually(() => web2.status().link.state === 'retrying', 15_000, 'web2 cut off');
      await applyUnits(['p', 'q']);
      assert.deepEqual(unitsOn(web2), ['p']);
    } finally {
      cluster.resume(2);
    }
    await eventually(() => unitsOn(web2).join() === 'p,q', 30_000, 'web2 to catch up after the partition');
    assert.equal(web2.status().desired, 'in-sync');
  });

  test('a watch follows the client when the client moves to another member, so a member that goes silent later hides nothing', async () => {
    await applyUnits(['p', 'q']); // its own start, whatever the tests before it left
    const client = new EtcdClient({ endpoints: cluster.endpoints, requestTimeoutMs: 1500, startAt: 0 });
    const a = await FleetAgent.create({ settings: settings('web6'), stateDir: join(dirs.path, 'web6'), client, reportIntervalMs: 50 });
    a.start();
    agents.push(a);
    try {
      await eventually(() => a.status().desired === 'in-sync' && unitsOn(a).join() === 'p,q', 15_000, 'web6 in sync on member 0');
      assert.equal(client.endpoint, cluster.endpoints[0]);
      // As after a request that failed on member 0: the client now talks to member 1, its watches are still on member 0.
      client.rotate();
      cluster.pause(0);
      // Member 0 may have been the leader: on a busy machine the election can outlast the admin's
      // request deadline on every member. An admin would retry; the test waits for the new leader.
      await cluster.waitHealthy(30_000, [0]);
      await applyUnits(['p', 'q', 'r']);
      // Keepalives on member 1 keep working, so only following the client moves the watch off the silent member.
      await eventually(() => unitsOn(a).join() === 'p,q,r', 20_000, 'web6 to see the change made while member 0 is silent');
      assert.equal(a.status().link.state, 'connected');
    } finally {
      cluster.resume(0);
      await a.stop();
      client.close();
    }
  });

  test('an agent whose only member stops answering still stops promptly', async () => {
    // A long request deadline: waiting out the requests in flight would take over 10 s.
    const cut = await agent('web5', [cluster.endpoints[2]!], [], 10_000);
    await eventually(() => cut.status().desired === 'in-sync', 15_000, 'web5 in sync');
    cluster.pause(2);
    try {
      await eventually(() => cut.status().link.state === 'retrying', 30_000, 'web5 cut off');
      const t0 = Date.now();
      await cut.stop();
      assert.ok(Date.now() - t0 < 6000, `stop() took ${Date.now() - t0} ms`);
    } finally {
      cluster.resume(2);
    }
  });

  test('a host restarted while etcd is unreachable runs its last set from disk at once', async () => {
    const first = await agent('web4');
    await eventually(() => first.status().desired === 'in-sync' && unitsOn(first).length > 0, 15_000, 'web4 in sync');
    const units = unitsOn(first);
    await first.stop();
    const offline = await agent('web4', ['http://127.0.0.1:9']);
    assert.deepEqual(unitsOn(offline), units);
    await eventually(() => offline.status().link.state === 'retrying', 10_000, 'retrying');
    assert.deepEqual(offline.status().set?.units, units);
  });
});

/** An agent in its own process, so it can be killed with SIGKILL like a crashed hearthd. */
async function spawnAgent(settings: FleetSettings, stateDir: string): Promise<ChildProcess> {
  const code = `
    const { FleetAgent } = await import(${JSON.stringify(join(REPO, 'src/fleet/index.ts'))});
    const agent = await FleetAgent.create({ settings: JSON.parse(process.argv[1]), stateDir: process.argv[2] });
    agent.start();
    setInterval(() => {}, 60_000);
    process.stdout.write('started\\n');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, JSON.stringify(settings), stateDir], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('started') && resolve());
    child.once('exit', (code) => reject(new Error(`agent process exited with ${code}`)));
  });
  return child;
}
