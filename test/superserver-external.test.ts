import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { copyFileSync, chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseXinetdText } from '../src/config/xinetd-conf.js';
import { parseEtcServices } from '../src/config/etc-services.js';
import { SuperServer, type InetdLogLine } from '../src/superserver/index.js';
import type { InetdServiceDefinition } from '../src/model/index.js';
import { freePort, tcpExchange, tempDir, udpExchange, waitFor } from './fixtures/xinetd/harness.js';

const FIX = fileURLToPath(new URL('./fixtures/xinetd/', import.meta.url));
const NO_SERVICES = parseEtcServices('');

function block(name: string, port: number, attrs: Record<string, string>): string {
  const lines = Object.entries({ type: 'UNLISTED', socket_type: 'stream', wait: 'no', port: String(port), bind: '127.0.0.1', ...attrs })
    .map(([k, v]) => `\t${k} = ${v}`);
  return `service ${name}\n{\n${lines.join('\n')}\n}\n`;
}

async function defs(text: string): Promise<InetdServiceDefinition[]> {
  const r = await parseXinetdText(text, 'test.conf', NO_SERVICES);
  assert.deepEqual(r.errors.map(String), []);
  return r.services;
}

/** An open connection we can talk through and later close. */
function hold(port: number): Promise<{ sock: net.Socket; data: () => string; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = '';
    let closed = false;
    sock.on('data', (d) => (buf += d.toString()));
    sock.on('close', () => (closed = true));
    sock.on('error', () => undefined);
    sock.once('connect', () => resolve({ sock, data: () => buf, closed: () => closed }));
    sock.once('error', reject);
  });
}

const engines: SuperServer[] = [];
function engine(logs?: InetdLogLine[]): SuperServer {
  const ss = new SuperServer({ onLog: (l) => logs?.push(l) });
  engines.push(ss);
  return ss;
}
after(async () => {
  for (const e of engines) await e.stop({ killServers: true });
});

describe('external per-connection services (wait = no)', () => {
  test('/bin/cat gets the connection as stdin and stdout', async () => {
    const port = await freePort();
    const ss = engine();
    const r = await ss.apply(await defs(block('cat', port, { server: '/bin/cat', user: 'root' })));
    assert.deepEqual(r, { added: ['cat'], changed: [], removed: [], errors: [] });
    const out = await tcpExchange(port, 'through cat\n', { endAfterSend: true });
    assert.equal(out.toString(), 'through cat\n');
    await waitFor(() => ss.get('cat')!.instances === 0);
    assert.equal(ss.get('cat')!.served, 1);
  });

  test('the server sees REMOTE_HOST/ADDR/PORT, env, passenv, NAMEINARGS argv, umask and its user', async () => {
    const dir = tempDir();
    const script = join(dir, 'whoami.sh');
    copyFileSync(join(FIX, 'whoami.sh'), script);
    chmodSync(dir, 0o755);
    chmodSync(script, 0o755);
    process.env.HEARTH_TEST_PASSED = 'yes-passed';
    process.env.HEARTH_TEST_NOT_PASSED = 'leak';
    const port = await freePort();
    const asRoot = process.getuid?.() === 0;
    const ss = engine();
    await ss.apply(await defs(block('who', port, {
      server: script, server_args: 'whoami-argv0 one two', flags: 'NAMEINARGS',
      env: 'FOO=bar', passenv: 'HEARTH_TEST_PASSED', umask: '027',
      ...(asRoot ? { user: 'nobody' } : {}),
    })));
    const local = net.connect(port, '127.0.0.1');
    let localPort = 0;
    local.on('connect', () => (localPort = local.localPort!));
    const out = await new Promise<string>((resolve) => {
      let b = '';
      local.on('data', (d) => (b += d));
      local.on('close', () => resolve(b));
    });
    const kv = Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    assert.equal(kv.REMOTE_HOST, '127.0.0.1');
    assert.equal(kv.REMOTE_ADDR, '127.0.0.1');
    assert.equal(kv.REMOTE_PORT, String(localPort));
    assert.equal(kv.FOO, 'bar');
    assert.equal(kv.PASSED, 'yes-passed');
    assert.equal(kv.NOTPASSED, '', 'variables not in passenv stay out');
    assert.equal(kv.args, 'one two');
    assert.equal(kv.umask, '0027');
    if (asRoot) {
      assert.equal(kv.uid, '65534');
    } else {
      assert.equal(kv.uid, String(process.getuid?.()));
      assert.equal(kv.argv0, 'whoami-argv0');
    }
  });

  test('banner and banner_success are sent before the server; banner_fail when refused', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'banner'), 'HELLO\r\n');
    writeFileSync(join(dir, 'ok'), 'WELCOME\r\n');
    writeFileSync(join(dir, 'fail'), 'GO AWAY\r\n');
    const port = await freePort();
    const port2 = await freePort();
    const ss = engine();
    await ss.apply(await defs(
      block('greet', port, { server: '/bin/cat', banner: join(dir, 'banner'), banner_success: join(dir, 'ok'), banner_fail: join(dir, 'fail') }) +
      block('deny', port2, { server: '/bin/cat', only_from: '10.9.9.9', banner_fail: join(dir, 'fail') }),
    ));
    assert.equal((await tcpExchange(port, 'x\n', { endAfterSend: true })).toString(), 'HELLO\r\nWELCOME\r\nx\n');
    assert.equal((await tcpExchange(port2, 'x\n')).toString(), 'GO AWAY\r\n');
    assert.equal(ss.get('deny')!.refused.address, 1);
  });

  test('access_times outside the window refuse the connection', async () => {
    const now = new Date();
    const away = (now.getHours() + 12) % 24;
    const port = await freePort();
    const ss = engine();
    await ss.apply(await defs(block('timed', port, { server: '/bin/cat', access_times: `${away}:00-${away}:30` })));
    assert.equal((await tcpExchange(port, 'x\n')).length, 0);
    assert.equal(ss.get('timed')!.refused.time, 1);
  });
});

describe('limits', () => {
  test('instances refuses beyond the limit and frees a slot when a server exits', async () => {
    const port = await freePort();
    const logs: InetdLogLine[] = [];
    const ss = engine(logs);
    await ss.apply(await defs(block('lim', port, { server: '/bin/cat', instances: '2', log_on_failure: 'HOST' })));
    const a = await hold(port);
    const b = await hold(port);
    await waitFor(() => ss.get('lim')!.instances === 2);
    const c = await hold(port);
    await waitFor(() => c.closed());
    assert.equal(ss.get('lim')!.refused.instances, 1);
    assert.ok(logs.some((l) => l.message === 'FAIL: lim service_limit from=127.0.0.1'));
    a.sock.end();
    await waitFor(() => ss.get('lim')!.instances === 1);
    const d = await hold(port);
    d.sock.write('still served\n');
    await waitFor(() => d.data() === 'still served\n');
    b.sock.destroy();
    d.sock.destroy();
  });

  test('per_source limits connections from one address', async () => {
    const port = await freePort();
    const ss = engine();
    await ss.apply(await defs(block('ps', port, { server: '/bin/cat', per_source: '1' })));
    const a = await hold(port);
    await waitFor(() => ss.get('ps')!.instances === 1);
    const b = await hold(port);
    await waitFor(() => b.closed());
    assert.equal(ss.get('ps')!.refused.per_source, 1);
    // Another loopback address is another source.
    const other = await new Promise<net.Socket>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' }, () => resolve(s));
    });
    other.write('ok\n');
    const got = await new Promise<string>((resolve) => other.once('data', (d) => resolve(d.toString())));
    assert.equal(got, 'ok\n');
    a.sock.destroy();
    other.destroy();
  });

  test('cps suspends the service, it comes back by itself, and the instance count survives', async () => {
    const port = await freePort();
    const ss = engine();
    // A pause as long as the window (3 s): the window has started over when the service is back (xinetd's rule).
    await ss.apply(await defs(block('burst', port, { server: '/bin/cat', cps: '3 3' })));
    const held = await hold(port);
    await waitFor(() => ss.get('burst')!.instances === 1);
    const quick: Array<Promise<unknown>> = [];
    for (let i = 0; i < 5; i++) quick.push(tcpExchange(port, 'x', { endAfterSend: true, timeoutMs: 1000 }).catch(() => undefined));
    await Promise.all(quick);
    const s = ss.get('burst')!;
    assert.equal(s.state, 'suspended');
    assert.ok(s.refused.cps >= 1);
    assert.ok(s.suspendedUntil! > Date.now() - 100);
    await assert.rejects(tcpExchange(port, 'x', { timeoutMs: 500 }), /ECONNREFUSED/);
    await waitFor(() => ss.get('burst')!.state === 'listening', 8000);
    assert.equal(ss.get('burst')!.instances, 1, 'the held connection is still counted');
    held.sock.write('alive\n');
    await waitFor(() => held.data() === 'alive\n');
    assert.equal((await tcpExchange(port, 'again\n', { endAfterSend: true })).toString(), 'again\n');
    held.sock.destroy();
  });

  test('a bounded flood beyond instances, per_source and cps is refused and counted while other services keep answering', async () => {
    const port = await freePort();
    const other = await freePort();
    const ss = engine();
    await ss.apply(await defs(
      block('flood', port, { server: '/bin/cat', instances: '5', per_source: '3', cps: '150 1' }) +
      block('daytime', other, { type: 'INTERNAL UNLISTED' }),
    ));
    const socks: net.Socket[] = [];
    const attempts: Array<Promise<void>> = [];
    for (let i = 0; i < 300; i++) {
      attempts.push(new Promise((resolve) => {
        const s = net.connect({ port, host: '127.0.0.1', localAddress: `127.0.${1 + (i % 4)}.1` });
        socks.push(s);
        s.on('error', () => resolve());
        s.on('close', () => resolve());
        s.on('connect', () => resolve());
      }));
    }
    const answer = tcpExchange(other, undefined, { timeoutMs: 3000 });
    await Promise.all(attempts);
    const flood = () => ss.get('flood')!;
    const refusedSum = () => flood().refused.instances + flood().refused.per_source + flood().refused.cps;
    try {
      await waitFor(() => refusedSum() > 100, 5000);
    } finally {
      setTimeout(() => socks.forEach((x) => x.destroy()), 100).unref();
    }
    assert.match((await answer).toString(), /^\d\d [A-Z]{3} \d{4} /, 'the daytime service answered during the flood');
    const s = ss.get('flood')!;
    assert.ok(s.instances <= 5);
    const refused = s.refused.instances + s.refused.per_source + s.refused.cps;
    assert.ok(refused > 0, JSON.stringify(s.refused));
    assert.ok(s.served <= 5 + 0, `served ${s.served}`);
    for (const x of socks) x.destroy();
    await waitFor(() => ss.get('flood')!.instances === 0);
  });
});

describe('reload', () => {
  test('unchanged services keep listener and live connections; a changed one is replaced while its old server finishes', async () => {
    const p1 = await freePort();
    const p2 = await freePort();
    const ss = engine();
    const v1 = block('keep', p1, { server: '/bin/cat' }) + block('change', p2, { server: '/bin/cat' });
    await ss.apply(await defs(v1));
    const live = await hold(p1);
    const old = await hold(p2);
    await waitFor(() => ss.get('keep')!.instances === 1 && ss.get('change')!.instances === 1);
    const r = await ss.apply(await defs(block('keep', p1, { server: '/bin/cat' }) + block('change', p2, { server: '/bin/cat', instances: '9' }) + block('new', await freePort(), { server: '/bin/cat' })));
    assert.deepEqual(r.changed, ['change']);
    assert.deepEqual(r.added, ['new']);
    assert.deepEqual(r.removed, []);
    assert.equal(ss.get('keep')!.instances, 1, 'the unchanged service kept its counters and connection');
    live.sock.write('after reload\n');
    await waitFor(() => live.data() === 'after reload\n');
    old.sock.write('old server still runs\n');
    await waitFor(() => old.data() === 'old server still runs\n');
    assert.equal((await tcpExchange(p2, 'new listener\n', { endAfterSend: true })).toString(), 'new listener\n');
    const r2 = await ss.apply(await defs(block('keep', p1, { server: '/bin/cat' })));
    assert.deepEqual(r2.removed.sort(), ['change', 'new']);
    await assert.rejects(tcpExchange(p2, 'x', { timeoutMs: 500 }), /ECONNREFUSED/);
    live.sock.destroy();
    old.sock.destroy();
  });

  test('the whole super-server can be switched off and on', async () => {
    const port = await freePort();
    const ss = engine();
    await ss.apply(await defs(block('echo', port, { type: 'INTERNAL UNLISTED' })));
    await ss.setEnabled(false);
    assert.equal(ss.get('echo')!.state, 'off');
    await assert.rejects(tcpExchange(port, 'x', { timeoutMs: 500 }), /ECONNREFUSED/);
    await ss.setEnabled(true);
    assert.equal((await tcpExchange(port, 'x', { endAfterSend: true })).toString(), 'x');
  });

  test('a service that cannot listen is reported and the others still start', async () => {
    const port = await freePort();
    const blocker = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const ok = await freePort();
    const ss = engine();
    try {
      const r = await ss.apply(await defs(block('busy', port, { server: '/bin/cat' }) + block('fine', ok, { server: '/bin/cat' })));
      assert.equal(r.errors.length, 1);
      // Who holds the port, never Node's raw EADDRINUSE text.
      assert.match(r.errors[0]!, new RegExp(`^busy: cannot listen on tcp 127\\.0\\.0\\.1:${port}: the port is in use by hearthd itself`));
      assert.equal(ss.get('busy')!.state, 'failed');
      assert.equal(ss.get('fine')!.state, 'listening');
    } finally {
      // A listener left open would keep the test process alive after a failure.
      blocker.close();
    }
  });
});

describe('redirect and wait = yes', () => {
  test('redirect relays the TCP connection to host port', async () => {
    const target = net.createServer((s) => s.pipe(s)).listen(0, '127.0.0.1');
    await new Promise((r) => target.once('listening', r));
    const tport = (target.address() as net.AddressInfo).port;
    const port = await freePort();
    const logs: InetdLogLine[] = [];
    const ss = engine(logs);
    await ss.apply(await defs(block('relay', port, { redirect: `127.0.0.1 ${tport}`, log_on_success: 'HOST DURATION TRAFFIC' })));
    assert.equal((await tcpExchange(port, 'relayed\n', { endAfterSend: true })).toString(), 'relayed\n');
    await waitFor(() => logs.some((l) => l.message.startsWith('EXIT: relay')));
    // As xinetd's relay child: TRAFFIC, then its EXIT.
    const lines = logs.filter((l) => l.service).map((l) => l.message.replace(/duration=\d+/, 'duration=D'));
    assert.deepEqual(lines, ['START: relay from=127.0.0.1', 'TRAFFIC: relay in=8(bytes) out=8(bytes)', 'EXIT: relay duration=D(sec)']);
    target.close();
  });

  test('wait = yes TCP hands the listening socket to the server and takes it back when it exits', async (t) => {
    if (!existsSync('/usr/bin/perl')) return t.skip('perl not installed');
    const port = await freePort();
    const ss = engine();
    await ss.apply(await defs(block('tw', port, { wait: 'yes', server: process.execPath, server_args: `${join(FIX, 'tcp-wait-server.mjs')} 400` })));
    const first = (await tcpExchange(port)).toString();
    assert.match(first, /^wait-server pid=(\d+) conn=1\n$/);
    assert.equal(ss.get('tw')!.state, 'waiting');
    const second = (await tcpExchange(port)).toString();
    assert.match(second, /conn=2\n$/, 'the same server accepted the next connection itself');
    await waitFor(() => ss.get('tw')!.state === 'listening', 3000);
    const third = (await tcpExchange(port)).toString();
    assert.match(third, /conn=1\n$/, 'a new server was started for the next connection');
    assert.notEqual(/pid=(\d+)/.exec(third)![1], /pid=(\d+)/.exec(first)![1]);
    assert.ok(ss.get('tw')!.served >= 2);
  });

  test('wait = yes UDP hands the bound socket to the server; the first datagram reaches it', async (t) => {
    if (!existsSync('/usr/bin/perl')) return t.skip('perl not installed');
    const port = await freePort();
    const ss = engine();
    await ss.apply(await defs(block('uw', port, { socket_type: 'dgram', protocol: 'udp', wait: 'yes', server: '/usr/bin/perl', server_args: join(FIX, 'udp-once.pl') })));
    const a = (await udpExchange(port, 'one', 3000))!.toString();
    assert.match(a, /^got:one pid=\d+$/);
    await waitFor(() => ss.get('uw')!.state === 'listening', 3000);
    const b = (await udpExchange(port, 'two', 3000))!.toString();
    assert.match(b, /^got:two pid=\d+$/);
    assert.notEqual(a.split('pid=')[1], b.split('pid=')[1]);
  });
});
