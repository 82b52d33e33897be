import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { openRawTcpListener, type RawTcpConnection } from './raw-tcp-listener.js';

function fetchAll(port: number, host = '127.0.0.1', send?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const c = net.connect(port, host, () => send && c.end(send));
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('end', () => resolve(Buffer.concat(chunks)));
    c.on('error', reject);
  });
}

describe('raw TCP listener (internal services without net.Socket)', () => {
  test('answers each connection with the bytes given and closes; port 0 reports the bound port', async () => {
    const seen: Array<{ address?: string; port?: number }> = [];
    const l = openRawTcpListener('127.0.0.1', 0, 16, (c: RawTcpConnection) => {
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

  test('echo sends back every byte of a payload larger than the socket buffers, then closes at EOF', async () => {
    let closed = 0;
    const l = openRawTcpListener('127.0.0.1', 0, 16, (c) => c.echo(() => closed++))!;
    try {
      const payload = Buffer.alloc(8 * 1024 * 1024);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
      const back = await fetchAll(l.port, '127.0.0.1', payload);
      assert.equal(back.length, payload.length);
      assert.ok(back.equals(payload));
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(closed, 1, 'the done callback runs once');
    } finally {
      l.close();
    }
  });

  test('discard reads everything, answers nothing and closes at EOF', async () => {
    let closed = 0;
    const l = openRawTcpListener('127.0.0.1', 0, 16, (c) => c.discard(() => closed++))!;
    try {
      assert.equal((await fetchAll(l.port, '127.0.0.1', Buffer.alloc(1 << 20, 'x'))).length, 0);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(closed, 1);
    } finally {
      l.close();
    }
  });

  test('a client that resets an echo connection ends it without an error', async () => {
    let closed = 0;
    const l = openRawTcpListener('127.0.0.1', 0, 16, (c) => c.echo(() => closed++))!;
    try {
      await new Promise<void>((resolve) => {
        const c = net.connect(l.port, '127.0.0.1', () => {
          c.write('abc');
          setTimeout(() => {
            c.resetAndDestroy();
            resolve();
          }, 20);
        });
        c.on('error', () => undefined);
      });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(closed, 1);
    } finally {
      l.close();
    }
  });

  test('a refused connection is closed without a byte', async () => {
    const l = openRawTcpListener('127.0.0.1', 0, 16, (c) => c.destroy())!;
    try {
      assert.equal((await fetchAll(l.port)).length, 0);
    } finally {
      l.close();
    }
  });

  test('IPv6 any-address listeners take IPv4 clients too', async () => {
    const l = openRawTcpListener('::', 0, 16, (c) => c.replyAndClose(Buffer.from(c.remoteAddress ?? '?')))!;
    try {
      assert.match((await fetchAll(l.port)).toString(), /^::ffff:127\.0\.0\.1$/);
    } finally {
      l.close();
    }
  });

  test('a port in use fails like net.Server does, naming the address', () => {
    const first = openRawTcpListener('127.0.0.1', 0, 16, (c) => c.destroy())!;
    try {
      assert.throws(() => openRawTcpListener('127.0.0.1', first.port, 16, (c) => c.destroy()), (e: NodeJS.ErrnoException) => {
        assert.equal(e.code, 'EADDRINUSE');
        assert.match(e.message, new RegExp(`listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${first.port}`));
        return true;
      });
    } finally {
      first.close();
    }
  });

  test('after close() the port refuses connections', async () => {
    const l = openRawTcpListener('127.0.0.1', 0, 16, (c) => c.destroy())!;
    const port = l.port;
    l.close();
    await new Promise((r) => setTimeout(r, 20));
    await assert.rejects(fetchAll(port), /ECONNREFUSED/);
  });
});
