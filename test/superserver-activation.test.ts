import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  activationEnv, activationStdio, bindListeners, parseListenSpec, waitForFirstConnection, withListenPid,
} from '../src/superserver/index.js';
import { freePort, tcpExchange, tempDir, udpExchange } from './fixtures/xinetd/harness.js';

const FIX = fileURLToPath(new URL('./fixtures/xinetd/', import.meta.url));
const hasPerl = existsSync('/usr/bin/perl');

function unixExchange(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let b = '';
    const s = net.connect(path);
    s.on('data', (d) => (b += d));
    s.on('close', () => resolve(b));
    s.on('error', reject);
  });
}

describe('socket activation', () => {
  test('parseListenSpec reads tcp, udp (IPv6 in brackets) and unix, and explains mistakes', () => {
    assert.deepEqual(parseListenSpec('tcp://127.0.0.1:8080'), { kind: 'tcp', host: '127.0.0.1', port: 8080, text: 'tcp://127.0.0.1:8080' });
    assert.deepEqual(parseListenSpec('udp://[::]:5353'), { kind: 'udp', host: '::', port: 5353, text: 'udp://[::]:5353' });
    assert.deepEqual(parseListenSpec('unix:/run/app.sock'), { kind: 'unix', path: '/run/app.sock', text: 'unix:/run/app.sock' });
    assert.throws(() => parseListenSpec('http://x:1'), /listen "http:\/\/x:1" is not understood/);
    assert.throws(() => parseListenSpec('tcp://127.0.0.1:99999'), /out of range/);
    assert.throws(() => parseListenSpec('unix:relative.sock'), /absolute path/);
    assert.throws(() => parseListenSpec('tcp://example.com:80'), /not an IP address/);
  });

  test('a real program gets its sockets at fds 3.. with LISTEN_FDS, LISTEN_FDNAMES and its own LISTEN_PID', async (t) => {
    if (!hasPerl) return t.skip('perl not installed (needed to make sockets listen)');
    const dir = tempDir();
    const sockPath = join(dir, 'app.sock');
    const port = await freePort();
    const socks = await bindListeners([`tcp://127.0.0.1:${port}`, `unix:${sockPath}`], ['web', 'admin']);
    // Connect before the service even exists: the connection waits in the backlog.
    const early = tcpExchange(port, undefined, { timeoutMs: 5000 });
    const cmd = withListenPid(process.execPath, [join(FIX, 'activated.mjs'), 'tcp,unix']);
    const child = spawn(cmd.file, cmd.args, {
      stdio: ['ignore', 'pipe', 'inherit', ...activationStdio(socks)],
      env: { ...process.env, ...activationEnv(socks) },
    });
    for (const s of socks) s.close();
    try {
      await new Promise((r) => child.stdout!.once('data', r));
      const a = (await early).toString();
      assert.match(a, new RegExp(`^fd=3 name=web pid=${child.pid} listen_pid=${child.pid}\\n$`));
      assert.match(await unixExchange(sockPath), /^fd=4 name=admin pid=\d+/);
    } finally {
      child.kill();
    }
  });

  test('a UDP socket is handed over bound, and on-demand activation waits for the first datagram without taking it', async (t) => {
    if (!hasPerl) return t.skip('perl not installed');
    const port = await freePort();
    const socks = await bindListeners([`udp://127.0.0.1:${port}`]);
    const wait = waitForFirstConnection(socks);
    const reply = udpExchange(port, 'first', 5000);
    await wait.ready;
    const script = 'open(my $s, "+<&=", 3) or die; my $p = recv($s, my $b, 100, 0); send($s, "got:$b pid=$$ lp=$ENV{LISTEN_PID} n=$ENV{LISTEN_FDS}", 0, $p);';
    const cmd = withListenPid('/usr/bin/perl', ['-e', script]);
    const child = spawn(cmd.file, cmd.args, { stdio: ['ignore', 'ignore', 'inherit', ...activationStdio(socks)], env: { ...process.env, ...activationEnv(socks) } });
    socks[0]!.close();
    const got = (await reply)?.toString();
    assert.equal(got, `got:first pid=${child.pid} lp=${child.pid} n=1`);
  });

  test('binding a port that is taken fails with a clear message and releases the others', async () => {
    const port = await freePort();
    const blocker = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const free = await freePort();
    await assert.rejects(bindListeners([`tcp://127.0.0.1:${free}`, `tcp://127.0.0.1:${port}`]), /cannot bind tcp 127\.0\.0\.1:\d+: EADDRINUSE/);
    blocker.close();
    // The first one was released.
    const again = await bindListeners([`tcp://127.0.0.1:${free}`]);
    again[0]!.close();
  });
});
