import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { openOneShotListener, type OneShotConnection } from './one-shot-listener.js';

function fetchAll(port: number, host = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const c = net.connect(port, host);
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('end', () => resolve(Buffer.concat(chunks)));
    c.on('error', reject);
  });
}

describe('one-shot listener (daytime and time without net.Socket)', () => {
  test('answers each connection with the bytes given and closes; port 0 reports the bound port', async () => {
    const seen: Array<{ address?: string; port?: number }> = [];
    const l = openOneShotListener('127.0.0.1', 0, 16, (c: OneShotConnection) => {
      // The peer is read lazily: while the connection is open.
      seen.push({ address: c.remoteAddress, port: c.remotePort });
      c.replyAndClose(Buffer.from(`hi ${seen.length}\r\n`));
    });
    assert.ok(l, 'this Node has the TCP handle binding');
    try {
      assert.ok(l.port > 0);
      assert.equal((await fetchAll(l.port)).toString(), 'hi 1\r\n');
      assert.equal((await fetchAll(l.port)).toString(), 'hi 2\r\n');
      assert.equal(seen[0]!.address, '127.0.0.1');
      assert.ok((seen[0]!.port ?? 0) > 0);
    } finally {
      l.close();
    }
  });

  test('a refused connection is closed without a byte', async () => {
    const l = openOneShotListener('127.0.0.1', 0, 16, (c) => c.close())!;
    try {
      assert.equal((await fetchAll(l.port)).length, 0);
    } finally {
      l.close();
    }
  });

  test('IPv6 any-address listeners take IPv4 clients too', async () => {
    const l = openOneShotListener('::', 0, 16, (c) => c.replyAndClose(Buffer.from(c.remoteAddress ?? '?')))!;
    try {
      assert.match((await fetchAll(l.port)).toString(), /^::ffff:127\.0\.0\.1$/);
    } finally {
      l.close();
    }
  });

  test('a port in use fails like net.Server does, naming the address', () => {
    const first = openOneShotListener('127.0.0.1', 0, 16, (c) => c.close())!;
    try {
      assert.throws(() => openOneShotListener('127.0.0.1', first.port, 16, (c) => c.close()), (e: NodeJS.ErrnoException) => {
        assert.equal(e.code, 'EADDRINUSE');
        assert.match(e.message, new RegExp(`listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${first.port}`));
        return true;
      });
    } finally {
      first.close();
    }
  });

  test('after close() the port refuses connections', async () => {
    const l = openOneShotListener('127.0.0.1', 0, 16, (c) => c.close())!;
    const port = l.port;
    l.close();
    await new Promise((r) => setTimeout(r, 20));
    await assert.rejects(fetchAll(port), /ECONNREFUSED/);
  });
});
