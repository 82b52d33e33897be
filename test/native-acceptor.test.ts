import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Acceptor, acceptorHelperPath, bindRawTcp, type AcceptorOptions, type RawSocket, type ServerProcess } from '../src/native/index.js';
import { readProcStat } from '../src/process/index.js';
import { waitFor } from './fixtures/xinetd/harness.js';
import { CGROUP_V2_ROOT, tempDir } from './helpers/index.js';
import { withClone3Refused } from './helpers/refuse-clone3.js';

const HELPER = acceptorHelperPath();
const skip = HELPER ? false : 'native/build/hearth-acceptor is not built (no C compiler?)';

type Outcome = { code: number | null; signal: string | null } | { error: string };

interface Running {
  port: number;
  raw: RawSocket;
  acceptor: Acceptor;
  servers: Array<{ p: ServerProcess; remote: string; end: Promise<Outcome> }>;
  asked: string[];
  notices: string[];
}

const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups) c();
});

/** An acceptor on a fresh loopback port; `admit` decides as the super-server would; `helper` is the program run. */
async function accepting(file: string, args: string[], extra: Partial<AcceptorOptions> = {}, admit = (_remote: string) => true, helper = HELPER!): Promise<Running> {
  const raw = bindRawTcp('127.0.0.1', 0);
  const r: Running = { port: raw.port, raw, acceptor: undefined as unknown as Acceptor, servers: [], asked: [], notices: [] };
  r.acceptor = new Acceptor(helper, {
    fd: raw.fd,
    file,
    args,
    env: { PATH: '/usr/bin:/bin' },
    decide: (remote) => {
      r.asked.push(remote);
      return admit(remote);
    },
    onServer: (p, remote) => r.servers.push({ p, remote, end: outcome(p) }),
    onNotice: (_level, m) => r.notices.push(m),
    ...extra,
  });
  await r.acceptor.start();
  cleanups.push(() => {
    r.acceptor.close();
    raw.close();
  });
  return r;
}

function outcome(p: ServerProcess): Promise<Outcome> {
  return new Promise((resolve) => {
    p.once('exit', (code, signal) => resolve({ code, signal }));
    p.once('error', (e: Error) => resolve({ error: e.message }));
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

describe('hearth-acceptor, the helper that accepts for a plain wait = no service', { skip }, () => {
  test('each admitted connection gets its own /bin/cat, and its exit is reported', async () => {
    const r = await accepting('/bin/cat', []);
    const texts = Array.from({ length: 40 }, (_, i) => `connection ${i}\n`);
    assert.deepEqual(await Promise.all(texts.map((t) => exchange(r.port, t))), texts);
    assert.deepEqual(await Promise.all(r.servers.map((s) => s.end)), texts.map(() => ({ code: 0, signal: null })));
    assert.deepEqual(new Set(r.asked), new Set(['127.0.0.1']));
    assert.ok(r.servers.every((s) => typeof s.p.pid === 'number'));
  });

  test('the server sees REMOTE_HOST/ADDR/PORT, its env, argv0 and umask; its parent is the helper', async () => {
    const script = 'umask; echo "$REMOTE_HOST $REMOTE_ADDR $FOO"; tr "\\0" " " < /proc/$$/cmdline; echo; echo "$PPID $REMOTE_PORT"';
    const r = await accepting('/bin/sh', ['-c', script], { argv0: 'my-server', umask: 0o027, env: { FOO: 'bar baz' } });
    const local = net.connect(r.port, '127.0.0.1');
    let out = '';
    let localPort = 0;
    local.on('connect', () => (localPort = local.localPort!));
    local.on('data', (d) => (out += d.toString()));
    await new Promise((res) => local.once('close', res));
    const lines = out.trim().split('\n');
    assert.deepEqual(lines.slice(0, 3), ['0027', '127.0.0.1 127.0.0.1 bar baz', `my-server -c ${script} `]);
    assert.equal(lines[3], `${r.acceptor.pid} ${localPort}`);
  });

  test('a refused connection is closed and nothing is started', async () => {
    const r = await accepting('/bin/cat', [], {}, () => false);
    assert.equal(await exchange(r.port), '');
    assert.equal(r.asked.length, 1);
    assert.equal(r.servers.length, 0);
  });

  test('exit codes, killing signals and servers that cannot start are reported', async () => {
    const coded = await accepting('/bin/sh', ['-c', 'exit 7']);
    const killed = await accepting('/bin/sh', ['-c', 'kill -TERM $$']);
    const missing = await accepting('/nonexistent/server', []);
    await Promise.all([exchange(coded.port), exchange(killed.port), exchange(missing.port)]);
    assert.deepEqual(await coded.servers[0]!.end, { code: 7, signal: null });
    assert.deepEqual(await killed.servers[0]!.end, { code: null, signal: 'SIGTERM' });
    assert.deepEqual(await missing.servers[0]!.end, { error: 'No such file or directory' });
  });

  test('after kill -9 it is started again on the same socket, no later connection is lost, and its orphans are still counted', async () => {
    const r = await accepting('/bin/cat', []);
    const held = net.connect(r.port, '127.0.0.1');
    let heldOut = '';
    held.on('data', (d) => (heldOut += d.toString()));
    await waitFor(() => r.servers[0]?.p.pid !== undefined);
    const first = r.acceptor.pid!;
    process.kill(first, 'SIGKILL');
    await waitFor(() => r.notices.length > 0 && r.acceptor.pid !== undefined && r.acceptor.pid !== first);
    assert.match(r.notices[0]!, /killed by SIGKILL; started again; 1 running server/);
    const texts = Array.from({ length: 20 }, (_, i) => `after ${i}\n`);
    assert.deepEqual(await Promise.all(texts.map((t) => exchange(r.port, t))), texts);
    held.write('still mine\n');
    await waitFor(() => heldOut === 'still mine\n');
    assert.notEqual(readProcStat(r.servers[0]!.p.pid!)?.ppid, r.acceptor.pid);
    held.end();
    assert.deepEqual(await r.servers[0]!.end, { code: null, signal: null });
  });

  test('close() stops accepting; the helper stays until its servers end, still reporting them', async () => {
    const r = await accepting('/bin/cat', []);
    const held = net.connect(r.port, '127.0.0.1');
    held.on('error', () => undefined);
    await waitFor(() => r.servers[0]?.p.pid !== undefined);
    const pid = r.acceptor.pid!;
    r.acceptor.close();
    held.end();
    assert.deepEqual(await r.servers[0]!.end, { code: 0, signal: null });
    await waitFor(() => readProcStat(pid) === undefined || readProcStat(pid)!.state === 'Z');
    assert.deepEqual(r.notices, []);
  });

  test('close() resolves once the helper has let go of the socket: the port can be bound at once, its server still runs', async () => {
    const r = await accepting('/bin/cat', []);
    const held = net.connect(r.port, '127.0.0.1');
    let heldOut = '';
    held.on('data', (d) => (heldOut += d.toString()));
    held.on('error', () => undefined);
    await waitFor(() => r.servers[0]?.p.pid !== undefined);
    await Promise.all([r.acceptor.close(), r.raw.close()]);
    await bindExclusive(r.port);
    held.write('still served\n');
    await waitFor(() => heldOut === 'still served\n');
    held.end();
    assert.deepEqual(await r.servers[0]!.end, { code: 0, signal: null });
  });

  test('a helper that never confirms (stopped) is killed, and close() still resolves with the port free', async () => {
    const r = await accepting('/bin/cat', [], { stuckHelperMs: 200 });
    const pid = r.acceptor.pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      await Promise.all([r.acceptor.close(), r.raw.close()]);
    } finally {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* already gone, as it should be */
      }
    }
    assert.match(r.notices.join('\n'), /did not let go of its socket within 200 ms; killed/);
    await bindExclusive(r.port);
  });
});

describe('hearth-acceptor: servers inside their service\'s cgroup', { skip: skip || (CGROUP_V2_ROOT ? false : 'needs root and a cgroup v2 hierarchy') }, () => {
  /** A fresh cgroup v2 directory, removed when the test file ends (once its servers are gone). */
  function cgroup(tag: string): string {
    const cg = join(CGROUP_V2_ROOT!, `hearth-acceptor-${tag}-${process.pid}`);
    mkdirSync(cg, { recursive: true });
    cleanups.push(() => rmdirSync(cg));
    return cg;
  }

  test('a server is in the cgroup it is given before its program runs', async () => {
    const cg = cgroup('inside');
    const r = await accepting('/bin/cat', ['/proc/self/cgroup'], { cgroups: [join(cg, 'cgroup.procs')] });
    for (let i = 0; i < 3; i++) assert.match(await exchange(r.port), new RegExp(`^0::/${cg.slice(CGROUP_V2_ROOT!.length + 1)}$`, 'm'));
    assert.deepEqual(await Promise.all(r.servers.map((s) => s.end)), [0, 1, 2].map(() => ({ code: 0, signal: null })));
  });

  test('a cgroup once killed through cgroup.kill still gets every server, inside it', async () => {
    // Kernel 6.18 SIGKILLs every process created into a cgroup that was killed once
    // (CLONE_INTO_CGROUP); the helper sees the first one die unborn and joins by writing.
    const cg = cgroup('killed');
    writeFileSync(join(cg, 'cgroup.kill'), '1');
    const r = await accepting('/bin/cat', ['/proc/self/cgroup'], { cgroups: [join(cg, 'cgroup.procs')] });
    for (let i = 0; i < 3; i++) assert.match(await exchange(r.port), new RegExp(`^0::/${cg.slice(CGROUP_V2_ROOT!.length + 1)}$`, 'm'));
    assert.deepEqual(await Promise.all(r.servers.map((s) => s.end)), [0, 1, 2].map(() => ({ code: 0, signal: null })));
    assert.deepEqual(r.notices, [], 'nothing to report');
  });

  test('where a seccomp profile refuses clone3, servers still start, inside their cgroup', async () => {
    const dir = tempDir('hearth-acceptor-seccomp-');
    cleanups.push(dir.cleanup);
    const helper = withClone3Refused(HELPER!, dir.path);
    assert.ok(helper, 'the fixture compiles where the helpers did');
    const cg = cgroup('seccomp');
    const r = await accepting('/bin/cat', ['/proc/self/cgroup'], { cgroups: [join(cg, 'cgroup.procs')] }, undefined, helper);
    for (let i = 0; i < 2; i++) assert.match(await exchange(r.port), new RegExp(`^0::/${cg.slice(CGROUP_V2_ROOT!.length + 1)}$`, 'm'));
    assert.deepEqual(await Promise.all(r.servers.map((s) => s.end)), [0, 1].map(() => ({ code: 0, signal: null })));
  });
});

function bindExclusive(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve()));
  });
}
