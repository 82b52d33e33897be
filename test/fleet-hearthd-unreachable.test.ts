/**
 * A hearthd whose etcd is down when it starts: it boots and runs its own
 * units as if it had no [fleet], says "fleet unreachable" in `hearth status`
 * and `hearth doctor`, keeps retrying with backoff (the attempts grow), and
 * joins by itself once etcd is there, without a restart of hearthd or its units.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdClient } from '../src/fleet/index.js';
import { EtcdCluster } from './helpers/etcd-cluster.js';
import { eventually } from './helpers/index.js';
import { asFleetHost, fleetToml, type FleetHost } from './helpers/fleet-hosts.js';
import { startDaemon } from './helpers/daemon.js';

describe('hearthd started while etcd is down', () => {
  let cluster: EtcdCluster;
  let host: FleetHost;
  let pid: number | undefined;

  before(async () => {
    // A real member, killed before hearthd starts: its port is known, and nothing answers on it.
    cluster = await EtcdCluster.start({ size: 1 });
    await cluster.kill(0);
    const d = await startDaemon({
      'hearth.toml': fleetToml({ endpoints: cluster.endpoints, name: 'lonely1', labels: { role: 'app' } }),
      'services/local.toml': 'exec = ["/bin/sleep", "1001"]\nrunlevels = [2, 3, 4, 5]\n',
    });
    host = asFleetHost(d, 'lonely1');
  });
  after(async () => {
    await host?.stop();
    await cluster?.stop();
  });

  test('boots and runs its local units; status and doctor say the fleet is unreachable', async () => {
    await eventually(() => host.stateOf('local') === 'running', 20_000, 'the local unit to run');
    pid = host.processes('local')[0];
    await eventually(() => host.fleet().link.state === 'retrying', 20_000, 'the link to be retrying');
    assert.match(host.cli('status').stdout, /Fleet: fleet unreachable since .*; the units keep running, hearthd keeps trying/);
    const doctor = host.cli('doctor');
    assert.equal(doctor.code, 1, 'doctor fails while the fleet is unreachable');
    assert.match(doctor.stdout, /FAIL\s+fleet\s+fleet unreachable/);
  });

  test('keeps retrying: the attempts grow while etcd stays down', async () => {
    const attempts = () => {
      const link = host.fleet().link as { state: string; attempts?: number };
      return link.state === 'retrying' ? (link.attempts ?? 0) : 0;
    };
    const first = attempts();
    assert.ok(first >= 1, `attempts: ${first}`);
    await eventually(() => attempts() > first, 30_000, 'another attempt');
  });

  test('joins by itself when etcd comes up, with its units untouched', async () => {
    await cluster.restart(0);
    await cluster.waitHealthy();
    await eventually(() => host.fleet().link.state === 'connected', 40_000, 'lonely1 to join');
    const etcd = new EtcdClient({ endpoints: cluster.endpoints, requestTimeoutMs: 2000 });
    try {
      await eventually(async () => (await etcd.range('/hearth/hosts/lonely1/', { prefix: true })).kvs.some((kv) => kv.key.endsWith('/alive')), 20_000, 'lonely1 registered in etcd');
      await eventually(async () => (await etcd.range('/hearth/hosts/lonely1/report')).kvs.length === 1, 20_000, "lonely1's report in etcd");
    } finally {
      etcd.close();
    }
    assert.deepEqual(host.processes('local'), [pid], 'the local unit kept running, the same process');
  });
});
