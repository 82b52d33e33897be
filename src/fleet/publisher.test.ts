/** Report publishing and host registration against a fake etcd that can fail on demand. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ReportPublisher } from './publisher.js';
import { HostRegistration, type FleetLinkState } from './registration.js';
import { EtcdError, type EtcdClient } from './etcd-client.js';
import { decodeReport, type UnitSummary } from './report.js';

class FakeEtcd {
  puts: Array<{ key: string; value: string; lease?: string; at: number }> = [];
  down = false;
  leases = new Map<string, number>();
  nextLease = 1;
  endpoint = 'http://fake:2379';
  private fail(): void {
    if (this.down) throw new EtcdError('unreachable', 'etcd at http://fake:2379 is unreachable: ECONNREFUSED');
  }
  async put(key: string, value: string, options: { lease?: string } = {}) {
    this.fail();
    this.puts.push({ key, value, ...(options.lease ? { lease: options.lease } : {}), at: Date.now() });
    return this.puts.length;
  }
  async leaseGrant(ttl: number) {
    this.fail();
    const id = String(this.nextLease++);
    this.leases.set(id, ttl);
    return { id, ttl };
  }
  async leaseKeepAlive(id: string) {
    this.fail();
    return this.leases.get(id) ?? 0;
  }
  async leaseRevoke(id: string) {
    this.fail();
    this.leases.delete(id);
  }
  asClient(): EtcdClient {
    return this as unknown as EtcdClient;
  }
}

const unit = (state: string): UnitSummary => ({ name: 'web', kind: 'native', state, enabled: [3], pids: 1, restarts: 0, findings: 0 });
const until = async (cond: () => boolean, what: string, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('ReportPublisher', () => {
  test('coalesces a burst into one write, and writes nothing when nothing changed', async () => {
    const etcd = new FakeEtcd();
    const p = new ReportPublisher({ client: etcd.asClient(), key: '/r', minIntervalMs: 100 });
    for (let i = 0; i < 50; i++) p.setUnits([unit(i % 2 ? 'running' : 'starting')]);
    p.setUnits([unit('running')]);
    await p.flushed();
    assert.equal(etcd.puts.length, 1);
    assert.equal(decodeReport(etcd.puts[0]!.value)!.units[0]!.state, 'running');
    p.setUnits([unit('running')]);
    await p.flushed();
    assert.equal(etcd.puts.length, 1);
    assert.ok(p.stats.unchanged >= 1);
    assert.equal(p.stats.bytes, Buffer.byteLength(etcd.puts[0]!.value));
    p.stop();
  });

  test('writes at most once per interval under a steady stream of changes', async () => {
    const etcd = new FakeEtcd();
    const p = new ReportPublisher({ client: etcd.asClient(), key: '/r', minIntervalMs: 200 });
    const start = Date.now();
    for (let i = 0; Date.now() - start < 1000; i++) {
      p.setUnits([{ ...unit('running'), restarts: i }]);
      await new Promise((r) => setTimeout(r, 5));
    }
    await p.flushed();
    const gaps = etcd.puts.slice(1).map((w, i) => w.at - etcd.puts[i]!.at);
    assert.ok(etcd.puts.length <= 7, `${etcd.puts.length} writes in about 1 s`);
    assert.ok(gaps.every((g) => g >= 190), `gaps ${gaps.join(', ')}`);
    p.stop();
  });

  test('a report that could not be written is written once etcd is back, in its latest form', async () => {
    const etcd = new FakeEtcd();
    etcd.down = true;
    const p = new ReportPublisher({ client: etcd.asClient(), key: '/r', minIntervalMs: 10, retryMs: 50 });
    p.setUnits([unit('starting')]);
    await until(() => p.stats.failures >= 1, 'a failed write');
    p.setUnits([unit('running')]);
    etcd.down = false;
    await until(() => etcd.puts.length >= 1, 'the write after etcd came back');
    await p.flushed();
    assert.equal(decodeReport(etcd.puts.at(-1)!.value)!.units[0]!.state, 'running');
    p.stop();
  });
});

describe('HostRegistration', () => {
  test('registers on a lease, reports retrying with the last error while etcd is away, and re-registers when the lease expired', async () => {
    const etcd = new FakeEtcd();
    const states: FleetLinkState[] = [];
    let reconnects = 0;
    const reg = new HostRegistration({
      client: etcd.asClient(),
      host: 'web1',
      leaseTtlMs: 3000,
      info: () => ({ labels: { role: 'web' } }),
      onState: (s) => states.push(s),
      onReconnected: () => reconnects++,
      backoff: { initialMs: 10, maxMs: 20 },
    });
    reg.start();
    await until(() => reg.state.state === 'connected', 'connected');
    const alive = etcd.puts.find((p) => p.key === '/hearth/hosts/web1/alive')!;
    assert.equal(alive.lease, '1');
    assert.equal(JSON.parse(etcd.puts.find((p) => p.key === '/hearth/hosts/web1/info')!.value).labels.role, 'web');

    etcd.down = true;
    // The keepalive comes every TTL/3 = 1 s: wait for the failure to be noticed.
    await until(() => reg.state.state === 'retrying', 'retrying', 3000);
    const retrying = reg.state as Extract<FleetLinkState, { state: 'retrying' }>;
    assert.match(retrying.lastError, /ECONNREFUSED/);
    etcd.leases.clear(); // the lease expired while etcd was away
    etcd.down = false;
    await until(() => reg.state.state === 'connected', 'connected again');
    assert.equal(etcd.puts.filter((p) => p.key === '/hearth/hosts/web1/alive').at(-1)!.lease, '2');
    assert.equal(reconnects, 2);
    await reg.stop();
    assert.equal(reg.state.state, 'stopped');
    assert.equal(etcd.leases.size, 0, 'stop() revokes the lease');
    assert.ok(states.some((s) => s.state === 'retrying' && s.attempts >= 1));
  });

  test('a registration that lands after stop() gave up waiting for it is revoked, and the link stays stopped', async () => {
    // A grant slower than the second stop() waits for the loop, as from a loaded etcd.
    class SlowGrant extends FakeEtcd {
      override async leaseGrant(ttl: number) {
        await new Promise((r) => setTimeout(r, 1500));
        return super.leaseGrant(ttl);
      }
    }
    const etcd = new SlowGrant();
    let reconnects = 0;
    const reg = new HostRegistration({ client: etcd.asClient(), host: 'h', leaseTtlMs: 3000, info: () => ({}), onReconnected: () => reconnects++ });
    reg.start();
    await reg.stop();
    assert.equal(reg.state.state, 'stopped');
    await until(() => etcd.puts.some((p) => p.key === '/hearth/hosts/h/alive'), 'the late registration');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(etcd.leases.size, 0, 'the lease granted after stop() is revoked, so the host does not show up for a TTL after leaving');
    assert.equal(reg.state.state, 'stopped');
    assert.equal(reconnects, 0);
  });

  test('stop() while etcd is away returns promptly and does not throw', async () => {
    const etcd = new FakeEtcd();
    etcd.down = true;
    const reg = new HostRegistration({ client: etcd.asClient(), host: 'h', leaseTtlMs: 10_000, info: () => ({}) });
    reg.start();
    await until(() => reg.state.state === 'retrying', 'retrying');
    const t0 = Date.now();
    await reg.stop();
    assert.ok(Date.now() - t0 < 1000);
  });
});
