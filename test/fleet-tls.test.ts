/**
 * [fleet] over TLS against a real etcd that requires client certificates:
 * the CA, certificate and key named in hearth.toml are what the client uses,
 * and etcd refuses a client without them. Certificates are made with openssl
 * at test time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FleetSettings } from '../src/config/index.js';
import { EtcdClient, EtcdError, FleetAgent, openFleetClient } from '../src/fleet/index.js';
import { EtcdCluster } from './helpers/etcd-cluster.js';
import { eventually, tempDir } from './helpers/index.js';

function makeCerts(dir: string) {
  const p = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '1', '-subj', '/CN=hearth test CA');
  const sign = (name: string, subject: string, ext: string) => {
    writeFileSync(p(`${name}.ext`), ext);
    openssl('req', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', subject);
    openssl('x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p(`${name}.pem`), '-days', '1', '-extfile', p(`${name}.ext`));
  };
  // etcd's JSON gateway calls etcd's gRPC side with the server certificate, so it needs clientAuth too.
  sign('server', '/CN=etcd', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  // etcd does not take a user from the CN of a certificate seen through its gateway: users come from user/password.
  sign('client', '/O=hearth host', 'extendedKeyUsage=clientAuth\n');
  return p;
}

describe('fleet over TLS with client certificates', () => {
  let cluster: EtcdCluster;
  const dirs = tempDir('hearth-fleet-tls-');
  let p: (name: string) => string;
  const clients: EtcdClient[] = [];

  before(async () => {
    p = makeCerts(dirs.path);
    cluster = await EtcdCluster.start({ size: 1, tls: { cert: p('server.pem'), key: p('server.key'), ca: p('ca.pem'), clientCert: p('client.pem'), clientKey: p('client.key') } });
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
    dirs.cleanup();
  });

  const settings = (extra: Partial<FleetSettings>): FleetSettings => ({ endpoints: cluster.endpoints, name: 'tls1', labels: {}, leaseTtlMs: 3000, ...extra });

  test('the CA, certificate and key from [fleet] get a working client and agent', async () => {
    const s = settings({ tlsCa: p('ca.pem'), tlsCert: p('client.pem'), tlsKey: p('client.key') });
    const client = await openFleetClient(s);
    clients.push(client);
    assert.match(cluster.endpoints[0]!, /^https:/);
    await client.put('/tls/k', 'v');
    assert.equal((await client.get('/tls/k'))?.value, 'v');
    const agent = await FleetAgent.create({ settings: s, stateDir: join(dirs.path, 'state') });
    agent.start();
    try {
      await eventually(() => agent.status().link.state === 'connected' && agent.status().desired === 'in-sync', 10_000, 'agent connected over TLS');
    } finally {
      await agent.stop();
    }
  });

  test('without a client certificate, or without trusting the CA, etcd is unreachable with the TLS reason', async () => {
    const noCert = await openFleetClient(settings({ tlsCa: p('ca.pem') }), { requestTimeoutMs: 3000 });
    const noCa = await openFleetClient(settings({ tlsCert: p('client.pem'), tlsKey: p('client.key') }), { requestTimeoutMs: 3000 });
    clients.push(noCert, noCa);
    for (const [client, reason] of [[noCert, /certificate|handshake|ECONNRESET|socket hang up|EPIPE/i], [noCa, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|self.signed|certificate/i]] as const) {
      const e = await client.get('/tls/k').then(() => undefined, (err: unknown) => err);
      assert.ok(e instanceof EtcdError, String(e));
      assert.equal(e.kind, 'unreachable');
      assert.match(e.message, reason);
    }
  });

  test('a TLS file that cannot be read is an error naming the [fleet] key', async () => {
    await assert.rejects(openFleetClient(settings({ tlsCa: join(dirs.path, 'missing.pem') })), (e: Error & { key?: string }) => e.key === 'fleet.tls_ca' && /cannot read fleet\.tls_ca ".*missing\.pem": ENOENT/.test(e.message));
  });
});
