/**
 * ready = "notify" in a pool: a worker's READY=1 may come from a short-lived
 * process the worker runs (hearth-notify from its shell script before it
 * execs its server, or deeper down), which is gone by the time hearthd reads
 * the message; hearth-dgram reads the sender's ancestry as the message
 * arrives. And only a worker's own processes may speak for the pool: a
 * process outside every worker's tree (another service, any other process
 * of the same user) neither makes a worker ready nor sets the pool's status.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, tempDir, uniqueSleep } from './helpers/index.js';
import { DgramReceiver, nativeHelperPath, type Datagram } from '../src/native/index.js';

const notify = nativeHelperPath('hearth-notify');
const hasPython = spawnSync('python3', ['--version']).status === 0;
const helpersMissing = notify && nativeHelperPath('hearth-dgram') ? false : 'native helpers not built (needs a C compiler)';

interface PoolStatus {
  state: string;
  detail?: string;
  extra: { pool: { generation: number }; workers: Array<{ pid: number; generation: number; state: string }> };
}

function poolStatus(d: RunningDaemon, name: string): PoolStatus {
  const r = d.cli('status', name, '--json');
  assert.ok(r.code === 0 || r.code === 3, r.stderr);
  return JSON.parse(r.stdout) as PoolStatus;
}

/** The pool running with `count` ready workers of its current generation. */
function readyPool(d: RunningDaemon, name: string, count: number): Promise<PoolStatus> {
  return eventually(() => {
    const s = poolStatus(d, name);
    const ready = s.extra.workers.filter((w) => w.state === 'ready' && w.generation === s.extra.pool.generation);
    return s.state === 'running' && ready.length === count ? s : undefined;
  }, 20_000, `"${name}" running with ${count} ready workers`);
}

const sh = (script: string) => `exec = ["/bin/sh", "-c", ${JSON.stringify(script)}]\n`;
const POOL = 'listen = ["tcp://127.0.0.1:0"]\nready = "notify"\nstart_timeout = "20s"\n';
/** Enough workers that a lost race for any one of them fails the pool's start. */
const WORKERS = 6;
const CONVERT = sh(`${notify} --ready; exec sleep ${uniqueSleep()}`);

/** The notify socket helpers serving a service: their pids, and whether each reads senders' ancestry (--attribute). */
function notifyHelpers(d: RunningDaemon, name: string): Array<{ pid: number; attributed: boolean }> {
  const dir = `${d.runtimeDir}.public/notify/${name}/`;
  const found: Array<{ pid: number; attributed: boolean }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0');
      if (argv[0]!.endsWith('/hearth-dgram') && argv[1]!.startsWith(dir)) found.push({ pid: Number(entry), attributed: argv.includes('--attribute') });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Whether a process may listen to the kernel's process events (CAP_NET_ADMIN, bit 12, in its effective set). */
function hasNetAdmin(pid: number): boolean {
  const eff = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;
  return (BigInt(`0x${eff}`) & (1n << 12n)) !== 0n;
}

const variants = [
  { title: 'process tracking "auto"', tracking: 'auto' },
  { title: 'process tracking "process-group"', tracking: 'process-group' },
  // No process events: a sender already gone has no ancestry, so hearth-notify must still be there.
  {
    title: 'hearthd without CAP_NET_ADMIN',
    tracking: 'auto',
    prefix: ['setpriv', '--bounding-set', '-net_admin', '--'],
    skip: userInfo().uid === 0 && spawnSync('setpriv', ['--version']).status === 0 ? false : 'needs root and setpriv to run hearthd without CAP_NET_ADMIN',
  },
];

for (const variant of variants) {
  describe(`a notify pool whose workers' scripts run hearth-notify (${variant.title})`, { skip: helpersMissing || variant.skip }, () => {
    let d: RunningDaemon;
    before(async () => {
      const files = {
        'hearth.toml': `[processes]\ntracking = "${variant.tracking}"\n`,
        // The shell's child says READY=1 and is reaped before the shell execs its server.
        'services/scripted.toml': POOL + `workers = ${WORKERS}\n` + sh(`${notify} --ready; exec sleep ${uniqueSleep()}`),
        // Two levels down: the script runs a shell that runs hearth-notify.
        'services/nested.toml': POOL + 'workers = 2\n' + sh(`/bin/sh -c '${notify} --ready --status=warm; true'; exec sleep ${uniqueSleep()}`),
        'services/convert.toml': 'ready = "notify"\nstart_timeout = "20s"\n' + CONVERT,
      };
      d = await startDaemon(files, [], variant.prefix ? { prefix: variant.prefix } : {});
    });
    after(async () => {
      await d?.stop();
    });

    test('every worker becomes ready: the pool runs with all of them', async () => {
      await readyPool(d, 'scripted', WORKERS);
      await readyPool(d, 'nested', 2);
      const helpers = notifyHelpers(d, 'scripted');
      assert.equal(helpers.length, 1);
      if (variant.prefix) assert.ok(!hasNetAdmin(helpers[0]!.pid), 'the helper cannot listen to process events');
    });

    test('a reload\'s new generation becomes ready the same way', async () => {
      const old = (await readyPool(d, 'scripted', WORKERS)).extra.workers.map((w) => w.pid);
      assert.equal(d.cli('reload', 'scripted').code, 0);
      const fresh = await readyPool(d, 'scripted', WORKERS);
      const serving = fresh.extra.workers.filter((w) => w.generation === fresh.extra.pool.generation);
      assert.ok(serving.every((w) => !old.includes(w.pid)), 'the ready workers are the new ones');
    });

    test('a plain service\'s notify socket goes without the ancestry; once the service is a pool, its socket has it', async () => {
      await eventually(() => poolStatus(d, 'convert').state === 'running', 20_000, 'the plain service running');
      assert.deepEqual(notifyHelpers(d, 'convert').map((h) => h.attributed), [false], 'one helper, not attributing');
      writeFileSync(join(d.configDir, 'services/convert.toml'), POOL + 'workers = 2\n' + CONVERT);
      const reloaded = d.cli('reload-config');
      assert.equal(reloaded.code, 0, reloaded.stdout + reloaded.stderr);
      await readyPool(d, 'convert', 2);
      await eventually(() => notifyHelpers(d, 'convert').map((h) => h.attributed).join() === 'true', 10_000, 'the old helper gone, the new one attributing');
    });
  });
}

describe('a notify pool refuses messages from processes outside its workers', { skip: helpersMissing || (hasPython ? false : 'python3 is not installed (the worker sends READY=1 from its own process)') }, () => {
  let d: RunningDaemon;
  let files: { path: string; cleanup(): void };
  let dir: string;
  before(async () => {
    files = tempDir('hearth-poolnotify-');
    dir = files.path;
    // Each worker waits for the go file; the first to take the lock sends READY=1 from its own
    // process (which hearth has always accepted), the other never does. That one message, sent
    // after every forged one, says when hearthd has handled them all.
    const worker = [
      'import os, socket, time',
      `go, lock = ${JSON.stringify(join(dir, 'go'))}, ${JSON.stringify(join(dir, 'lock'))}`,
      'while not os.path.exists(go): time.sleep(0.02)',
      'try:',
      '    os.mkdir(lock)',
      '    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
      '    s.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])',
      'except FileExistsError:',
      '    pass',
      'while True: time.sleep(3600)',
    ].join('\n');
    d = await startDaemon({
      'services/guarded.toml': `${POOL.replace('20s', '120s')}workers = 2\nexec = ["python3", "-c", ${JSON.stringify(worker)}]\n`,
      // Another service of the same hearthd that learns the pool's socket and writes to it.
      'services/neighbour.toml':
        'runlevels = []\nready = "log:sent"\n' +
        sh(`NOTIFY_SOCKET="$(cat ${join(dir, 'socket-path')})" ${notify} READY=1 STATUS=forged-by-neighbour && echo sent; exec sleep ${uniqueSleep()}`),
    });
  });
  after(async () => {
    await d?.stop();
    files?.cleanup();
  });

  test('READY=1 and STATUS= from another service and from an unrelated process change nothing', async () => {
    await eventually(() => {
      const s = poolStatus(d, 'guarded');
      return s.state === 'starting' && s.extra.workers.length === 2;
    }, 10_000, 'two starting workers');
    const notifyDir = `${d.runtimeDir}.public/notify/guarded`;
    const socket = join(notifyDir, readdirSync(notifyDir)[0]!);

    // A process of the same user that no worker started.
    const outsider = spawnSync(notify!, ['READY=1', 'STATUS=forged-by-outsider'], { env: { NOTIFY_SOCKET: socket }, encoding: 'utf8' });
    assert.equal(outsider.status, 0, outsider.stderr);
    // A process of another service.
    writeFileSync(join(dir, 'socket-path'), socket);
    const neighbour = d.cli('start', 'neighbour');
    assert.equal(neighbour.code, 0, neighbour.stderr);

    writeFileSync(join(dir, 'go'), '');
    const s = await eventually(() => {
      const st = poolStatus(d, 'guarded');
      return st.extra.workers.some((w) => w.state === 'ready') ? st : undefined;
    }, 10_000, 'the worker\'s own READY=1');
    assert.deepEqual(s.extra.workers.map((w) => w.state).sort(), ['ready', 'starting'], 'only the worker that said so is ready');
    assert.equal(s.state, 'starting');
    assert.doesNotMatch(s.detail ?? '', /forged/, 'the status is not one a stranger set');
  });
});

describe('hearth-notify and the notify socket helper', { skip: helpersMissing }, () => {
  test('hearth-notify stays until the helper has its message (BARRIER=1); --no-block does not wait', async () => {
    const dir = tempDir('hearth-barrier-');
    const got: Datagram[] = [];
    const receiver = new DgramReceiver(join(dir.path, 'n.sock'), (d) => got.push(d), 0o600, true);
    try {
      await receiver.start();
      const env = { NOTIFY_SOCKET: receiver.socketPath };
      // The helper is another process: it answers the barrier while this one is blocked here.
      const waited = spawnSync(notify!, ['--ready'], { env, encoding: 'utf8' });
      assert.equal(waited.status, 0);
      assert.equal(waited.stderr, '', 'the helper closed the passed pipe, so the barrier did not time out');
      const quick = spawnSync(notify!, ['--no-block', 'STATUS=quick'], { env, encoding: 'utf8' });
      assert.equal(quick.status, 0, quick.stderr);
      await eventually(() => got.length >= 3, 10_000, 'three datagrams');
      assert.deepEqual(got.map((d) => d.payload.toString()), ['READY=1', 'BARRIER=1', 'STATUS=quick']);
    } finally {
      receiver.stop();
      dir.cleanup();
    }
  });
});

describe('a pool whose start times out while strangers wrote to its notify socket', { skip: helpersMissing }, () => {
  test('the timeout says that messages came from outside every worker, and from which pid last', async () => {
    const d = await startDaemon({
      'services/quiet.toml': `${POOL.replace('20s', '2s')}workers = 1\n${sh(`exec sleep ${uniqueSleep()}`)}`,
    });
    try {
      await eventually(() => poolStatus(d, 'quiet').extra.workers.length === 1, 10_000, 'a starting worker');
      const notifyDir = `${d.runtimeDir}.public/notify/quiet`;
      const socket = join(notifyDir, readdirSync(notifyDir)[0]!);
      const outsider = spawnSync(notify!, ['--ready'], { env: { NOTIFY_SOCKET: socket }, encoding: 'utf8' });
      assert.equal(outsider.status, 0, outsider.stderr);
      const line = await eventually(() => d.output().split('\n').find((l) => l.includes('did not become ready in time')), 15_000, 'the worker\'s start to time out');
      assert.match(line, /"quiet" worker \d+ did not become ready in time; killed \(1 notify message came from processes outside every worker, pid \d+ last; they count for none\)/);
    } finally {
      await d.stop();
    }
  });
});
