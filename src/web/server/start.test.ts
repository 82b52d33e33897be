import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeDaemonApi } from '../../control/index.js';
import { startWebServer, type WebServer } from './start.js';
import { untilClosed } from '../../testing/socket.js';

describe('startWebServer', () => {
  let dir = '';
  let web: WebServer;
  const logs: string[] = [];
  let port = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-web-'));
    mkdirSync(join(dir, 'gui'));
    writeFileSync(join(dir, 'gui', 'index.html'), '<!doctype html>');
    web = await startWebServer({
      api: new FakeDaemonApi(),
      settings: { listen: '127.0.0.1:0' },
      runtimeDir: dir,
      guiDir: join(dir, 'gui'),
      log: (m) => logs.push(m),
      limits: { maxConnections: 6, maxPerAddress: 3, headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 2000 },
    });
    port = Number(new URL(web.url).port);
  });
  after(async () => {
    await web.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the login token file is 0600', () => {
    assert.equal(statSync(join(dir, 'web-token')).mode & 0o777, 0o600);
  });

  test('a connection that never sends a request is closed by the header timeout', async () => {
    const s = connect(port, '127.0.0.1');
    const got = await untilClosed(s);
    assert.match(got, /^HTTP\/1\.1 408/);
  });

  test('past the per-address cap a connection gets 503 ERR_BUSY and is closed; another address is still served', async () => {
    const held = [1, 2, 3].map(() => connect(port, '127.0.0.1'));
    await Promise.all(held.map((s) => new Promise((r) => s.once('connect', r))));
    const extra = connect(port, '127.0.0.1');
    const refused = await untilClosed(extra);
    assert.match(refused, /^HTTP\/1\.1 503 /);
    assert.match(refused, /"code":"ERR_BUSY"/);
    const other = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
    other.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    assert.match(await untilClosed(other), /^HTTP\/1\.1 200 /);
    for (const s of held) s.destroy();
  });

});

test('with a certificate and key the GUI is served over TLS only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-web-tls-'));
  try {
    mkdirSync(join(dir, 'gui'));
    writeFileSync(join(dir, 'gui', 'index.html'), '<!doctype html>');
    const [cert, key] = [join(dir, 'web.crt'), join(dir, 'web.key')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const web = await startWebServer({
      api: new FakeDaemonApi(),
      settings: { listen: '127.0.0.1:0', tlsCert: cert, tlsKey: key },
      runtimeDir: dir,
      guiDir: join(dir, 'gui'),
      log: () => undefined,
    });
    try {
      const url = new URL(web.url);
      assert.equal(url.protocol, 'https:');
      const status = await new Promise<number | undefined>((resolve, reject) => {
        request({ host: '127.0.0.1', port: Number(url.port), path: '/', ca: readFileSync(cert) }, (res) => {
          res.resume();
          resolve(res.statusCode);
        })
          .on('error', reject)
          .end();
      });
      assert.equal(status, 200);
      const plain = connect(Number(url.port), '127.0.0.1');
      plain.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      assert.doesNotMatch(await untilClosed(plain), /^HTTP\/1\.1 200/, 'no page over plain HTTP');
    } finally {
      await web.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
