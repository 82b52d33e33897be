/**
 * EtcdClient while the members elect a leader: a call waits for the election
 * (within its deadline) instead of failing at the first "no leader". The
 * members here are stand-ins for etcd's JSON gateway that answer as etcd does
 * during an election (HTTP 503, gRPC code 14), so the timing is the test's;
 * test/fleet-faults.test.ts kills the leader of a real cluster.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EtcdClient, EtcdError } from './etcd-client.js';

const NO_LEADER = JSON.stringify({ error: 'etcdserver: no leader', code: 14, message: 'etcdserver: no leader' });

/** A member that answers "no leader" to its first `electing` requests, then a put's answer. */
async function member(electing: number): Promise<{ endpoint: string; requests: () => number; server: Server }> {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      if (requests <= electing) {
        res.writeHead(503, { 'content-type': 'application/json' }).end(NO_LEADER);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ header: { revision: '7' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests, server };
}

/** An endpoint nothing listens on: a port that was free a moment ago. */
async function deadEndpoint(): Promise<string> {
  const m = await member(0);
  await new Promise((resolve) => m.server.close(resolve));
  return m.endpoint;
}

describe('EtcdClient during a leader election', () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));

  test('a call waits for the election to end and then succeeds', async () => {
    const m = await member(3);
    servers.push(m.server);
    const client = new EtcdClient({ endpoints: [await deadEndpoint(), m.endpoint], requestTimeoutMs: 5000, startAt: 0 });
    try {
      await client.put('k', 'v');
      assert.equal(m.requests(), 4, 'asked again after each "no leader"');
    } finally {
      client.close();
    }
  });

  test('members that never get a leader fail the call at its deadline, saying so', async () => {
    const m = await member(Number.POSITIVE_INFINITY);
    servers.push(m.server);
    const client = new EtcdClient({ endpoints: [m.endpoint, await deadEndpoint()], requestTimeoutMs: 600, startAt: 0 });
    const t0 = Date.now();
    try {
      await assert.rejects(client.put('k', 'v'), (e: unknown) => e instanceof EtcdError && e.kind === 'unavailable' && /no leader/.test(e.message));
      // Not at the first answer, and not long after the deadline.
      assert.ok(m.requests() > 1, `${m.requests()} requests`);
      assert.ok(Date.now() - t0 < 600 + 1000, `${Date.now() - t0} ms`);
    } finally {
      client.close();
    }
  });
});
