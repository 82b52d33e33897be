/** The JSON-gateway etcd client against a real 3-member etcd cluster. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdClient, EtcdError, openWatch, type WatchEvent } from '../src/fleet/index.js';
import { EtcdCluster } from './helpers/etcd-cluster.js';
import { eventually } from './helpers/index.js';

describe('etcd client over the JSON gateway', () => {
  let cluster: EtcdCluster;
  let client: EtcdClient;
  before(async () => {
    cluster = await EtcdCluster.start();
    client = new EtcdClient({ endpoints: cluster.endpoints, requestTimeoutMs: 3000 });
  });
  after(async () => {
    client?.close();
    await cluster?.stop();
  });

  test('put, get and range by prefix round-trip UTF-8 keys and values', async () => {
    await client.put('/t/a', 'ä one');
    await client.put('/t/b', 'two');
    await client.put('/u', 'outside');
    assert.equal((await client.get('/t/a'))?.value, 'ä one');
    const r = await client.range('/t/', { prefix: true });
    assert.deepEqual(r.kvs.map((kv) => [kv.key, kv.value]), [['/t/a', 'ä one'], ['/t/b', 'two']]);
    assert.ok(r.revision > 0);
    assert.equal(await client.delete('/t/', { prefix: true }), 2);
    assert.equal(await client.get('/t/a'), undefined);
  });

  test('a transaction applies all of its operations or none', async () => {
    const created = await client.txn([{ key: '/x/set', target: 'VERSION', value: 0 }], [{ put: { key: '/x/set', value: '1' } }, { put: { key: '/x/other', value: '1' } }]);
    assert.equal(created.succeeded, true);
    const again = await client.txn([{ key: '/x/set', target: 'VERSION', value: 0 }], [{ put: { key: '/x/other', value: '2' } }], [{ range: { key: '/x/set' } }]);
    assert.equal(again.succeeded, false);
    assert.equal(again.ranges[0]?.[0]?.value, '1');
    assert.equal((await client.get('/x/other'))?.value, '1');
  });

  test('a key on a lease disappears when the lease is not kept alive', async () => {
    const lease = await client.leaseGrant(2);
    await client.put('/lease/k', 'v', { lease: lease.id });
    assert.ok((await client.leaseKeepAlive(lease.id)) > 0);
    await eventually(async () => (await client.get('/lease/k')) === undefined, 10_000, 'the leased key to go');
    assert.equal(await client.leaseKeepAlive(lease.id), 0);
  });

  test('a watch delivers puts and deletes from its start revision', async () => {
    const start = (await client.range('/w/', { prefix: true })).revision + 1;
    await client.put('/w/before', '0');
    const seen: WatchEvent[] = [];
    const watch = await openWatch(client, { key: '/w/', prefix: true, startRevision: start, onEvents: (e) => seen.push(...e), onClose: () => {} });
    await client.put('/w/after', '1');
    await client.delete('/w/before');
    await eventually(() => seen.length === 3, 5000, 'three events');
    watch.close();
    assert.deepEqual(seen.map((e) => [e.type, e.kv.key]), [['put', '/w/before'], ['put', '/w/after'], ['delete', '/w/before']]);
  });

  test('an unknown lease is 0 seconds left, and revoking it is not an error', async () => {
    assert.equal(await client.leaseKeepAlive('12345'), 0);
    await client.leaseRevoke('12345');
  });

  test('a lease\'s time to live counts down from its granted TTL, and reads -1 once the lease is revoked or was never granted', async () => {
    // Asked of every member in turn: a follower forwards the question to the leader, whose lessor alone knows.
    const asker = new EtcdClient({ endpoints: cluster.endpoints, requestTimeoutMs: 3000, startAt: 0 });
    try {
      const lease = await client.leaseGrant(30);
      for (let i = 0; i < cluster.endpoints.length; i++, asker.rotate()) {
        const live = await asker.leaseTimeToLive(lease.id);
        assert.equal(live.grantedTtl, 30);
        assert.ok(live.ttl > 0 && live.ttl <= 30, `${live.ttl} s left on ${asker.endpoint}`);
      }
      await client.leaseRevoke(lease.id);
      assert.deepEqual(await asker.leaseTimeToLive(lease.id), { ttl: -1, grantedTtl: 0 });
      assert.deepEqual(await asker.leaseTimeToLive('12345'), { ttl: -1, grantedTtl: 0 });
    } finally {
      asker.close();
    }
  });

  test('a lease in its last second reads 0, not gone, though the gateway leaves the 0 out', async () => {
    // Read every 50 ms from the grant until the lease is gone; a pause of the machine longer than the
    // second that reads 0 would hide it, so a few leases are tried before concluding it never showed.
    const seen: number[][] = [];
    for (let attempt = 0; attempt < 3 && !seen.at(-1)?.includes(0); attempt++) {
      const lease = await client.leaseGrant(2);
      const ttls: number[] = [];
      for (let ttl = 2; ttl >= 0; await new Promise((r) => setTimeout(r, 50))) ttls.push((ttl = (await client.leaseTimeToLive(lease.id)).ttl));
      seen.push(ttls);
    }
    const last = seen.at(-1)!;
    assert.ok(last.includes(0), `readings ${JSON.stringify(seen)}`);
    // Seconds left only go down, to below 0 once the lease is gone.
    assert.ok(last.every((ttl, i) => i === 0 || ttl <= last[i - 1]!) && last.at(-1)! < 0, `readings ${JSON.stringify(last)}`);
  });

  test('a refused request is an EtcdError naming the member and etcd\'s reason', async () => {
    const err = await client.put('/lease/k', 'v', { lease: '12345' }).catch((e: unknown) => e);
    assert.ok(err instanceof EtcdError);
    assert.equal(err.kind, 'not-found');
    assert.match(err.message, /^etcd at http:\/\/127\.0\.0\.1:\d+: etcdserver: requested lease not found$/);
  });

  test('calls move to a live member when one is killed, and a watch on it closes', async () => {
    // Point the client at member 0, open a watch there, then kill it.
    while (client.endpoint !== cluster.endpoints[0]) client.rotate();
    const start = (await client.range('/k/', { prefix: true })).revision + 1;
    let closed: EtcdError | undefined;
    await openWatch(client, { key: '/k/', prefix: true, startRevision: start, onEvents: () => {}, onClose: (e) => (closed = e) });
    await cluster.kill(0);
    await client.put('/k/after-kill', 'yes');
    assert.notEqual(client.endpoint, cluster.endpoints[0]);
    assert.equal((await client.get('/k/after-kill'))?.value, 'yes');
    await eventually(() => closed, 5000, 'the watch on the dead member to close');
    await cluster.restart(0);
    await cluster.waitHealthy();
  });

  test('without quorum a watch is cancelled (require-leader) and calls fail with a reason', async () => {
    while (client.endpoint !== cluster.endpoints[2]) client.rotate();
    let closed: EtcdError | undefined;
    const start = (await client.range('/q/', { prefix: true })).revision + 1;
    await openWatch(client, { key: '/q/', prefix: true, startRevision: start, onEvents: () => {}, onClose: (e) => (closed = e) });
    await cluster.kill(0);
    await cluster.kill(1);
    const err = await client.put('/q/x', '1').catch((e: unknown) => e);
    assert.ok(err instanceof EtcdError, String(err));
    assert.ok(['timeout', 'unavailable', 'unreachable'].includes(err.kind), err.message);
    await eventually(() => closed, 20_000, 'the watch to be cancelled for lack of a leader');
    await Promise.all([cluster.restart(0), cluster.restart(1)]);
    await cluster.waitHealthy();
    await eventually(async () => (await client.put('/q/x', '2')) > 0, 20_000, 'writes to work again');
  });
});
