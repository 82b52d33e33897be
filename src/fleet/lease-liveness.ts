/**
 * Whether the hosts that look up (their alive key is there) still hold a live
 * lease, asked of etcd. The key alone is not proof: etcd deletes a lease's
 * keys only when a revoke of the expired lease is committed through raft, and
 * that revoke can time out on a loaded leader. etcd 3.4 tries again every 3 s
 * (3.3 and before never did: etcd-io/etcd#9935, #10686); while it keeps
 * failing the key stays, the lease is past its expiry, and a host killed long
 * ago would show up. The leader's lessor, which answers LeaseTimeToLive, knows
 * the lease expired whether or not its keys are gone.
 */
import type { EtcdClient, KeyValue } from './etcd-client.js';
import type { HostView } from './host-view.js';
import { parseHostKey } from './keys.js';
import { mapLimited } from '../util/map-limited.js';

/**
 * Questions in flight at once. etcd has no call that answers for many leases
 * (LeaseLeases lists ids, and an expired lease stays listed until revoked),
 * so it is one round trip per host that looks up. The client keeps at most 8
 * sockets per member and a request's deadline runs while it waits for one:
 * more in flight would only queue.
 */
export const LEASE_CHECKS_IN_FLIGHT = 8;

/** The lease each host's alive key is on; a key on no lease ("0") is left out: there is nothing to ask. */
export function aliveLeases(kvs: Iterable<Pick<KeyValue, 'key' | 'lease'>>): Map<string, string> {
  const leases = new Map<string, string>();
  for (const kv of kvs) {
    const k = parseHostKey(kv.key);
    if (k?.leaf === 'alive' && kv.lease !== '0') leases.set(k.host, kv.lease);
  }
  return leases;
}

/**
 * The views again, down where etcd says the host's lease is past its expiry or
 * gone. Only a time to live below 0 counts: etcd truncates the seconds left
 * toward zero, so a live lease with under a second left reads 0 as well (a
 * 2 s lease whose keepalive is a third of a second late), and calling a live
 * host down makes a rolling restart fail or skip it. An expired lease reads
 * below 0 at most a second after its expiry.
 */
export async function confirmLeases(client: Pick<EtcdClient, 'leaseTimeToLive'>, views: HostView[], leases: ReadonlyMap<string, string>): Promise<HostView[]> {
  const asked = [...new Set(views.filter((v) => v.up && leases.has(v.name)).map((v) => leases.get(v.name)!))];
  const ttls = await mapLimited(asked, LEASE_CHECKS_IN_FLIGHT, async (id) => (await client.leaseTimeToLive(id)).ttl);
  const expired = new Set(asked.filter((_, i) => ttls[i]! < 0));
  if (expired.size === 0) return views;
  return views.map((v) => (v.up && expired.has(leases.get(v.name) ?? '') ? { ...v, up: false } : v));
}
