import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServerSpawner, nativeHelperPath, type ServerProcess, type ServerSpawnOptions } from '../src/native/index.js';
import { readProcStat } from '../src/process/index.js';
import { waitFor } from './fixtures/xinetd/harness.js';
import { CGROUP_V2_ROOT } from './helpers/index.js';

const HELPER = nativeHelperPath('hearth-spawner');
const skip = HELPER ? false : 'native/build/hearth-spawner is not built (no C compiler?)';
const SH = '/bin/sh';

type Outcome = { code: number | null; signal: string | null } | { error: string };

interface Served {
  port: number;
  /** Each server, with how it ended (listened to from the start, so no event is missed). */
  servers: Array<{ p: ServerProcess; end: Promise<Outcome> }>;
  close(): void;
}

/** A listener that starts `file args` through `spawner` for every connection, as the super-server does. */
function serve(spawner: ServerSpawner, file: string, args: string[], extra: Partial<ServerSpawnOptions> = {}): Promise<Served> {
  const servers: Served['servers'] = [];
  const srv = net.createServer({ pauseOnConnect: true }, (socket) => {
    const env = { PATH: '/usr/bin:/bin', REMOTE_HOST: socket.remoteAddress ?? '' };
    const p = spawner.spawn(file, args, { socket, env, ...extra });
    servers.push({ p, end: outcome(p) });
  });
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => {
      resolve({ port: (srv.address() as net.AddressInfo).port, servers, close: () => srv.close() });
    });
  });
}

/** Connects, sends, half-closes, and collects everything until the server closes. */
function exchange(port: number, send = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('connect', () => s.end(send));
    s.on('data', (d) => (out += d.toString()));
    s.on('error', reject);
    s.on('close', () => resolve(out));
  });
}

function outcome(p: ServerProcess): Promise<Outcome> {
  return new Promise((resolve) => {
    p.once('exit', (code, signal) => resolve({ code, signal }));
    p.once('error', (e: Error) => resolve({ error: e.message }));
  });
}

const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups) c();
});
function spawner(options: ConstructorParameters<typeof ServerSpawner>[0] = {}): ServerSpawner {
  const s = new ServerSpawner(options);
  cleanups.push(() => s.close());
  return s;
}

describe('hearth-spawner, the resident helper that starts one server per connection', { skip }, () => {
  test('each connection gets its own /bin/cat, started by the helper, with its exit reported', async () => {
    const sp = spawner();
    const s = await serve(sp, '/bin/cat', []);
    cleanups.push(s.close);
    // Many at once: Node passes one socket at a time and queues the rest.
    const texts = Array.from({ length: 40 }, (_, i) => `connection ${i}\n`);
    const outs = await Promise.all(texts.map((t) => exchange(s.port, t)));
    assert.deepEqual(outs, texts);
    const ends = await Promise.all(s.servers.map((x) => x.end));
    assert.deepEqual(ends, texts.map(() => ({ code: 0, signal: null })));
    assert.ok(s.servers.every((x) => typeof x.p.pid === 'number' && x.p.pid > 0));
    assert.ok(sp.usesHelper && sp.helperPid);
  });

  test('the server sees its env, argv0 and umask; its parent is the helper', async () => {
    const sp = spawner();
    const script = 'umask; echo "$REMOTE_HOST"; tr "\\0" " " < /proc/$$/cmdline; echo; echo "$PPID"';
    const s = await serve(sp, SH, ['-c', script], { argv0: 'my-server', umask: 0o027 });
    cleanups.push(s.close);
    const lines = (await exchange(s.port)).trim().split('\n');
    assert.deepEqual(lines.slice(0, 3), ['0027', '127.0.0.1', `my-server -c ${script} `]);
    assert.equal(Number(lines[3]), sp.helperPid);
  });

  test('a server is in its cgroup before it runs, also in a cgroup once killed through cgroup.kill', { skip: CGROUP_V2_ROOT ? false : 'needs root and a cgroup v2 hierarchy' }, async () => {
    // Kernel 6.18 SIGKILLs every process created into a cgroup that was killed once
    // (CLONE_INTO_CGROUP): the helper sees it die unborn and joins by writing instead.
    const sp = spawner();
    for (const killed of [false, true]) {
      const cg = join(CGROUP_V2_ROOT!, `hearth-spawner-server-${killed ? 'killed' : 'fresh'}-${process.pid}`);
      mkdirSync(cg, { recursive: true });
      if (killed) writeFileSync(join(cg, 'cgroup.kill'), '1');
      const s = await serve(sp, '/bin/cat', ['/proc/self/cgroup'], { cgroups: [join(cg, 'cgroup.procs')] });
      cleanups.push(s.close);
      try {
        for (let i = 0; i < 2; i++) assert.match(await exchange(s.port), new RegExp(`^0::/${cg.slice(CGROUP_V2_ROOT!.length + 1)}$`, 'm'), `killed: ${killed}`);
        assert.deepEqual(await Promise.all(s.servers.map((x) => x.end)), [{ code: 0, signal: null }, { code: 0, signal: null }]);
      } finally {
        rmdirSync(cg);
      }
    }
  });

  test('an exit code and a killing signal are reported as Node reports them', async () => {
    const sp = spawner();
    const coded = await serve(sp, SH, ['-c', 'exit 7']);
    const killed = await serve(sp, SH, ['-c', 'kill -TERM $$']);
    cleanups.push(coded.close, killed.close);
    await exchange(coded.port);
    await exchange(killed.port);
    assert.deepEqual(await coded.servers[0]!.end, { code: 7, signal: null });
    assert.deepEqual(await killed.servers[0]!.end, { code: null, signal: 'SIGTERM' });
  });

  test('a server that cannot start is an error event, and the connection is closed', async () => {
    const sp = spawner();
    const s = await serve(sp, '/nonexistent/server', []);
    cleanups.push(s.close);
    assert.equal(await exchange(s.port), '');
    assert.deepEqual(await s.servers[0]!.end, { error: 'No such file or directory' });
  });

  test('malformed messages are answered with an error and the helper carries on', async () => {
    const helper = spawn(HELPER!, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    cleanups.push(() => helper.kill('SIGKILL'));
    const replies: unknown[] = [];
    helper.on('message', (m) => replies.push(m));
    const srv = net.createServer({ pauseOnConnect: true });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    cleanups.push(() => srv.close());
    const port = (srv.address() as net.AddressInfo).port;
    const next = (): Promise<net.Socket> => new Promise((r) => srv.once('connection', r));
    const bad: object[] = [
      { id: 1, file: 'relative/path', argv: ['x'], env: [] },
      { id: 2, file: '/bin/cat', argv: 'not an array', env: [] },
      { id: 3, file: '/bin/cat', argv: ['cat'], env: ['NO_EQUALS_SIGN'] },
      { id: 4, file: '/bin/cat', argv: [], env: [] },
      { id: 5, file: '/bin/cat', argv: ['cat', 'nul\u0000byte'], env: [] },
      { id: 6, file: '/bin/cat', argv: ['cat'], env: [], umask: 4096 },
      { file: '/bin/cat', argv: ['cat'], env: [] },
    ];
    for (const msg of bad) {
      const client = net.connect(port, '127.0.0.1');
      client.on('error', () => undefined);
      const sock = await next();
      helper.send(msg, sock);
      // The helper closes a connection it refuses: the client sees the end.
      await new Promise((r) => client.once('close', r));
    }
    helper.send('not even an object');
    helper.send({ id: 8, file: '/bin/cat', argv: ['cat'], env: [] }); // no socket came with it
    await waitFor(() => replies.length === bad.length + 2);
    const errors = replies.map((r) => (r as { error?: string }).error);
    assert.ok(errors.every((e) => typeof e === 'string' && e.length > 0), JSON.stringify(replies));
    assert.deepEqual(replies.slice(0, 6).map((r) => (r as { id: number }).id), [1, 2, 3, 4, 5, 6]);
    assert.match(errors[0]!, /absolute path/);
    assert.match(errors[2]!, /NAME=value/);
    assert.match(errors[4]!, /NUL/);
    assert.match(errors[8]!, /no connection/);
    // Still alive and still starting servers.
    const client = net.connect(port, '127.0.0.1');
    let out = '';
    client.on('data', (d) => (out += d.toString()));
    const sock = await next();
    helper.send({ id: 9, file: '/bin/cat', argv: ['cat'], env: [] }, sock);
    client.end('still here\n');
    await new Promise((r) => client.once('close', r));
    assert.equal(out, 'still here\n');
    assert.equal(helper.exitCode, null);
  });

  test('after kill -9 the helper is started again, no later connection is lost, and its orphans are still counted', async () => {
    const notices: string[] = [];
    const sp = spawner({ onNotice: (_level, m) => notices.push(m) });
    const s = await serve(sp, '/bin/cat', []);
    cleanups.push(s.close);
    // A server that stays up across the helper's death.
    const held = net.connect(s.port, '127.0.0.1');
    let heldOut = '';
    held.on('data', (d) => (heldOut += d.toString()));
    await waitFor(() => s.servers[0]?.p.pid !== undefined);
    const orphan = s.servers[0]!;
    const first = sp.helperPid!;
    process.kill(first, 'SIGKILL');
    await waitFor(() => notices.length > 0);
    assert.match(notices[0]!, /killed by SIGKILL; started again; 1 running process it started is watched/);
    assert.ok(sp.helperPid && sp.helperPid !== first);
    // Every connection after the restart is served.
    const texts = Array.from({ length: 20 }, (_, i) => `after ${i}\n`);
    assert.deepEqual(await Promise.all(texts.map((t) => exchange(s.port, t))), texts);
    // The orphan still works; when it ends, its exit is reported (status unknown).
    held.write('still mine\n');
    await waitFor(() => heldOut === 'still mine\n');
    assert.notEqual(readProcStat(orphan.p.pid!)?.ppid, sp.helperPid);
    held.end();
    assert.deepEqual(await orphan.end, { code: null, signal: null });
  });

  test('without the helper, servers start with Node\'s spawn and one notice says why', async () => {
    const notices: string[] = [];
    const sp = spawner({ helperPath: '/nonexistent/hearth-spawner', onNotice: (_l, m) => notices.push(m) });
    const s = await serve(sp, '/bin/cat', [], { umask: 0o077 });
    cleanups.push(s.close);
    assert.equal(await exchange(s.port, 'one\n'), 'one\n');
    assert.equal(await exchange(s.port, 'two\n'), 'two\n');
    assert.deepEqual(await s.servers[1]!.end, { code: 0, signal: null });
    assert.equal(sp.usesHelper, false);
    assert.equal(notices.length, 1);
    assert.match(notices[0]!, /not built|cannot be run/);
  });
});
