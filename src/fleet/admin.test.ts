/**
 * FleetAdmin's view of which hosts are up, against a fake etcd that answers
 * the two questions it asks: the keys under /hearth/hosts/ and each lease's
 * time to live. A real etcd cannot be made to keep a key whose lease expired
 * on demand (it happens when the leader's revoke keeps timing out), so the
 * fault is made here, at the client's boundary; test/fleet-faults.test.ts
 * checks the whole path on a real cluster.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetAdmin } from './admin.js';
import { EtcdError, type EtcdClient, type KeyValue } from './etcd-client.js';
import { aliveKey, infoKey } from './keys.js';

class FakeEtcd {
  kvs: KeyValue[] = [];
  /** Seconds left per lease id, as etcd's leader would say; a missing lease reads -1, as the gateway answers. */
  ttl = new Map<string, number>();
  asked: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  failLease: string | undefined;

  host(name: string, lease: string | undefined, labels: Record<string, string> = {}): void {
    const kv = (key: string, value: string, l = '0'): KeyValue => ({ key, value, createRevision: 1, modRevision: 1, version: 1, lease: l });
    this.kvs.push(kv(infoKey(name), JSON.stringify({ labels, registeredAt: 1 })));
    if (lease !== undefined) this.kvs.push(kv(aliveKey(name), '{}', lease));
  }
  async range() {
    return { kvs: this.kvs, revision: 9, count: this.kvs.length };
  }
  async leaseTimeToLive(id: string) {
    this.asked.push(id);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    await new Promise((r) => setTimeout(r, 2));
    this.inFlight--;
    if (id === this.failLease) throw new EtcdError('timeout', `etcd at http://fake:2379 did not answer /v3/lease/timetolive in 5000 ms`);
    const ttl = this.ttl.get(id) ?? -1;
    return { ttl, grantedTtl: ttl < 0 ? 0 : 3 };
  }
  admin(): FleetAdmin {
    return new FleetAdmin(this as unknown as EtcdClient);
  }
}

const upness = async (admin: FleetAdmin, selector?: string) => Object.fromEntries((await admin.hosts(selector)).map((h) => [h.name, h.up]));

test('a host whose alive key outlived its lease shows down: etcd had not deleted the key yet', async () => {
  const etcd = new FakeEtcd();
  etcd.host('live', '11');
  etcd.ttl.set('11', 2);
  // As in etcd-io/etcd#9935: the revoke of the expired lease failed, the key stayed, the lease reads long past.
  etcd.host('expired', '12');
  etcd.ttl.set('12', -68272);
  // Revoked between the read of the keys and the question (or never granted): -1.
  etcd.host('gone', '13');
  etcd.host('stopped', undefined);
  const admin = etcd.admin();
  assert.deepEqual(await upness(admin), { expired: false, gone: false, live: true, stopped: false });
  // Every view built on the host list says the same.
  assert.deepEqual(
    (await admin.status('web')).map((r) => [r.host, r.up]),
    [['expired', false], ['gone', false], ['live', true], ['stopped', false]],
  );
  assert.deepEqual((await admin.audit()).map((r) => [r.host, r.up]), [['expired', false], ['gone', false], ['live', true], ['stopped', false]]);
});

test('a lease that reads 0 seconds left is still up: etcd rounds a live lease\'s last second down to 0', async () => {
  const etcd = new FakeEtcd();
  etcd.host('late-keepalive', '21');
  etcd.ttl.set('21', 0);
  assert.deepEqual(await upness(etcd.admin()), { 'late-keepalive': true });
});

test('only the hosts that look up and that the selector picks are asked about, each lease once and at most 8 at a time', async () => {
  const etcd = new FakeEtcd();
  for (let i = 0; i < 60; i++) {
    etcd.host(`h${i}`, i % 6 === 5 ? undefined : String(1000 + i), { role: i % 2 ? 'web' : 'db' });
    etcd.ttl.set(String(1000 + i), 3);
  }
  const web = await etcd.admin().hosts('role=web');
  assert.equal(web.length, 30);
  assert.equal(web.filter((h) => h.up).length, 20);
  assert.equal(etcd.asked.length, 20);
  assert.equal(new Set(etcd.asked).size, 20);
  assert.ok(etcd.maxInFlight <= 8 && etcd.maxInFlight > 1, `${etcd.maxInFlight} questions in flight`);
});

test('a lease etcd does not answer about fails the host list with etcd\'s reason, rather than guessing', async () => {
  const etcd = new FakeEtcd();
  etcd.host('web1', '31');
  etcd.ttl.set('31', 3);
  etcd.failLease = '31';
  await assert.rejects(etcd.admin().hosts(), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'ERR_FLEET');
    assert.match(e.message, /^cannot check the fleet's hosts' leases: etcd at http:\/\/fake:2379 did not answer/);
    return true;
  });
});

test('a caller that wants names and labels only asks etcd nothing about leases', async () => {
  const etcd = new FakeEtcd();
  etcd.host('web1', '41');
  assert.deepEqual(await upness(etcd.admin(), undefined), { web1: false });
  etcd.asked = [];
  const names = await etcd.admin().hosts(undefined, { names: true });
  assert.deepEqual(names.map((h) => [h.name, h.up]), [['web1', true]]);
  assert.deepEqual(etcd.asked, []);
});
