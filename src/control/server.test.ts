import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync, existsSync, chmodSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { request } from 'node:http';
import { startControlServer } from './server.js';
import { lookupGroupId } from './group-id.js';
import { FakeDaemonApi, fakeService } from './fake-daemon-api.js';
import { testTempDir } from '../testing/temp-dir.js';

const tempDir = (): string => testTempDir('hearth-ctl-');
const api = (): FakeDaemonApi => new FakeDaemonApi([fakeService('web', { state: 'running', pid: 9 })]);

function get(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A unix socket file nobody listens on, as a crashed hearthd leaves behind. */
async function staleSocket(path: string): Promise<void> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(path, r));
  // Closing a net server unlinks its file; a crash would not, so keep a copy by hard link.
  const { linkSync, renameSync } = await import('node:fs');
  linkSync(path, `${path}.keep`);
  await new Promise<void>((r) => s.close(() => r()));
  renameSync(`${path}.keep`, path);
}

describe('startControlServer', () => {
  test('serves the API on a unix socket with mode 0600 in a 0700 dir, and removes it on close', async () => {
    const dir = join(tempDir(), 'run');
    const socketPath = join(dir, 'hearth.sock');
    const server = await startControlServer({ api: api(), socketPath });
    try {
      assert.equal(statSync(socketPath).mode & 0o777, 0o600);
      assert.ok(statSync(socketPath).isSocket());
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      const res = await get(socketPath, '/v1/services');
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.body)[0].name, 'web');
    } finally {
      await server.close();
    }
    assert.equal(existsSync(socketPath), false);
  });

  test('tightens an existing socket dir of ours to 0700', async () => {
    const dir = join(tempDir(), 'run');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const server = await startControlServer({ api: api(), socketPath: join(dir, 'hearth.sock') });
    await server.close();
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  });

  test('with a group the socket gets that gid and the dir becomes 0750', async () => {
    const dir = join(tempDir(), 'run');
    const socketPath = join(dir, 'hearth.sock');
    const gid = process.getgid!();
    const server = await startControlServer({ api: api(), socketPath, mode: 0o660, group: String(gid) });
    try {
      assert.equal(statSync(socketPath).mode & 0o777, 0o660);
      assert.equal(statSync(socketPath).gid, gid);
      assert.equal(statSync(dir).mode & 0o777, 0o750);
    } finally {
      await server.close();
    }
  });

  test('a stale socket file is replaced', async () => {
    const socketPath = join(tempDir(), 'hearth.sock');
    await staleSocket(socketPath);
    assert.ok(statSync(socketPath).isSocket());
    const server = await startControlServer({ api: api(), socketPath });
    try {
      assert.equal((await get(socketPath, '/v1/info')).status, 200);
    } finally {
      await server.close();
    }
  });

  test('a live hearthd on the socket is refused, not replaced', async () => {
    const socketPath = join(tempDir(), 'hearth.sock');
    const first = await startControlServer({ api: api(), socketPath });
    try {
      await assert.rejects(startControlServer({ api: api(), socketPath }), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'ERR_SOCKET_IN_USE');
        assert.match(e.message, /another hearthd is running on ".*hearth\.sock"/);
        return true;
      });
      assert.equal((await get(socketPath, '/v1/info')).status, 200);
    } finally {
      await first.close();
    }
  });

  test('a path that is not a socket is never deleted', async () => {
    const socketPath = join(tempDir(), 'hearth.sock');
    writeFileSync(socketPath, 'precious');
    await assert.rejects(startControlServer({ api: api(), socketPath }), /exists and is not a socket/);
    assert.ok(existsSync(socketPath));
  });
});

describe('lookupGroupId', () => {
  test('finds a gid by name in a group file, takes numbers as they are, and names a missing group', async () => {
    const groupFile = join(tempDir(), 'group');
    writeFileSync(groupFile, 'root:x:0:\nhearth:x:987:alice,bob\n');
    assert.equal(await lookupGroupId('hearth', { groupFile }), 987);
    assert.equal(await lookupGroupId('1234', { groupFile }), 1234);
    await assert.rejects(lookupGroupId('nope', { groupFile }), /group "nope" for the control socket not found/);
  });
});
