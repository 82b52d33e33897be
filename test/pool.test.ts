import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, pidAlive, FIXTURES, REPO } from './helpers/index.js';

interface WorkerRow {
  pid: number;
  generation: number;
  state: string;
}

interface PoolStatus {
  state: string;
  extra: { pool: { listen: string[]; generation: number }; workers: WorkerRow[] };
}

const NODE_WORKER = join(FIXTURES, 'pool-http-server.mjs');
const PY_WORKER = join(FIXTURES, 'pool-python-worker.py');
const GOOD_WEB = (generation: number) =>
  `exec = ["${process.execPath}", "${NODE_WORKER}"]\n` +
  `listen = ["tcp://127.0.0.1:0"]\nworkers = 2\nready = "log:listening"\nstop_timeout = "5s"\nenvironment = { GEN = "${generation}" }\n`;
const hasPython = spawnSync('python3', ['--version']).status === 0;

function poolStatus(d: RunningDaemon, name: string): PoolStatus {
  const r = d.cli('status', name, '--json');
  assert.ok(r.code === 0 || r.code === 3, r.stderr);
  return JSON.parse(r.stdout) as PoolStatus;
}

function portOf(d: RunningDaemon, name: string): number {
  return Number(/:(\d+)$/.exec(poolStatus(d, name).extra.pool.listen[0]!)![1]);
}

/** One request on a fresh connection; resolves to the body, rejects on any failure. */
function get(port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * The CLI without blocking this process: the load clients run in this event
 * loop, and a blocked loop would keep old workers' connections open, which
 * is not what a real client does.
 */
function cliAsync(d: RunningDaemon, ...args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'hearth'), '--socket', d.socket, ...args]);
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Steady load from `concurrency` clients until stop() is called; counts answers and failures. */
function steadyLoad(port: number, concurrency = 6) {
  let running = true;
  const stats = { ok: 0, failed: 0, errors: [] as string[], bodies: new Set<string>() };
  const client = async () => {
    while (running) {
      try {
        stats.bodies.add((await get(port)).trim());
        stats.ok++;
      } catch (e) {
        stats.failed++;
        if (stats.errors.length < 5) stats.errors.push((e as Error).message);
      }
    }
  };
  const clients = Array.from({ length: concurrency }, client);
  return {
    stats,
    stop: async () => {
      running = false;
      await Promise.all(clients);
      return stats;
    },
  };
}

describe('pre-forked worker pools', () => {
  let d: RunningDaemon;
  before(async () => {
    d = await startDaemon({
      'services/web.toml': GOOD_WEB(1),
      'services/aging.toml':
        `exec = ["${process.execPath}", "${NODE_WORKER}"]\nlisten = ["tcp://127.0.0.1:0"]\nworkers = 1\nworker_max_age = "1s"\nready = "log:listening"\n`,
    });
  });
  after(async () => {
    await d?.stop();
  });

  test('hearthd binds once and starts every worker on the shared socket; status lists them', async () => {
    const s = await eventually(() => {
      const st = poolStatus(d, 'web');
      return st.state === 'running' && st.extra.workers.filter((w) => w.state === 'ready').length === 2 ? st : undefined;
    }, 10_000, 'two ready workers');
    for (const w of s.extra.workers) assert.ok(pidAlive(w.pid));
    const body = (await get(portOf(d, 'web'))).trim();
    assert.match(body, /^hello from \d+ 1$/);
    const pid = Number(body.split(' ')[2]);
    assert.ok(s.extra.workers.some((w) => w.pid === pid), 'the answer comes from a listed worker');
    const text = d.cli('status', 'web');
    assert.match(text.stdout, /Workers \(2\):/);
    assert.match(text.stdout, /2 of 2 workers ready/);
  });

  test('a worker that dies is replaced at once and the pool keeps serving', async () => {
    const before = poolStatus(d, 'web').extra.workers.map((w) => w.pid);
    process.kill(before[0]!, 'SIGKILL');
    const after = await eventually(() => {
      const ws = poolStatus(d, 'web').extra.workers;
      return ws.length === 2 && !ws.some((w) => w.pid === before[0]) && ws.every((w) => w.state === 'ready') ? ws : undefined;
    }, 5000, 'a replacement worker');
    assert.ok(after.some((w) => w.pid === before[1]), 'the other worker was left alone');
    assert.match(await get(portOf(d, 'web')), /^hello from/);
  });

  test('worker_max_age replaces an old worker with a fresh one, ready before the old one stops', async () => {
    const first = (await eventually(() => poolStatus(d, 'aging').extra.workers[0], 5000, 'aging worker')).pid;
    const load = steadyLoad(portOf(d, 'aging'), 2);
    const next = await eventually(() => {
      const ws = poolStatus(d, 'aging').extra.workers;
      return ws.length === 1 && ws[0]!.pid !== first && ws[0]!.state === 'ready' ? ws[0]! : undefined;
    }, 8000, 'the worker to be recycled');
    const stats = await load.stop();
    assert.equal(stats.failed, 0, `failed requests: ${stats.errors.join('; ')}`);
    assert.ok(!pidAlive(first));
    assert.ok(next.pid > 0);
  });

  test('a worker that exits cleanly is replaced too: the pool keeps its size', async () => {
    const before = poolStatus(d, 'web').extra.workers.map((w) => w.pid);
    process.kill(before[1]!, 'SIGTERM');
    await eventually(() => {
      const ws = poolStatus(d, 'web').extra.workers;
      return ws.length === 2 && !ws.some((w) => w.pid === before[1]) && ws.every((w) => w.state === 'ready');
    }, 5000, 'a replacement for the worker that exited 0');
  });

  test('hearth reload under steady load: new workers first, then the old ones drain; no request fails', async () => {
    const port = portOf(d, 'web');
    const old = poolStatus(d, 'web').extra.workers.map((w) => w.pid);
    const load = steadyLoad(port);
    await new Promise((r) => setTimeout(r, 300));
    const r = await cliAsync(d, 'reload', 'web');
    assert.equal(r.code, 0, r.output);
    await new Promise((r) => setTimeout(r, 300));
    const stats = await load.stop();
    assert.equal(stats.failed, 0, `failed requests: ${stats.errors.join('; ')}`);
    assert.ok(stats.ok > 20, `only ${stats.ok} requests went through`);
    const now = poolStatus(d, 'web');
    assert.equal(now.extra.workers.length, 2);
    assert.ok(now.extra.workers.every((w) => !old.includes(w.pid)), 'every worker is new');
    await eventually(() => old.every((pid) => !pidAlive(pid)), 5000, 'old workers gone');
  });

  test('a changed command in the config is rolled out the same way, without a failed request', async () => {
    const port = portOf(d, 'web');
    const load = steadyLoad(port);
    writeFileSync(join(d.configDir, 'services/web.toml'), GOOD_WEB(2));
    const r = await cliAsync(d, 'reload-config');
    assert.equal(r.code, 0, r.output);
    await eventually(async () => (await get(port)).trim().endsWith(' 2'), 5000, 'generation 2 answering');
    const stats = await load.stop();
    assert.equal(stats.failed, 0, `failed requests: ${stats.errors.join('; ')}`);
    assert.equal(portOf(d, 'web'), port, 'the socket stayed the same');
  });

  test('a reload whose new workers never become ready leaves the old ones serving', async () => {
    const port = portOf(d, 'web');
    const before = poolStatus(d, 'web').extra.workers.map((w) => w.pid).sort();
    writeFileSync(
      join(d.configDir, 'services/web.toml'),
      'exec = ["/bin/sh", "-c", "echo not a server; exit 3"]\nlisten = ["tcp://127.0.0.1:0"]\nworkers = 2\nready = "log:listening"\n',
    );
    d.cli('reload-config');
    const after = poolStatus(d, 'web');
    assert.equal(after.state, 'running');
    assert.deepEqual(after.extra.workers.map((w) => w.pid).sort(), before);
    assert.match(await get(port), /^hello from/);
    assert.match(d.cli('logs', 'hearthd', '-n', '50').stdout, /reload of "web" abandoned, the running workers keep serving/);
    // Put the good file back: it equals what runs, so nothing moves.
    writeFileSync(join(d.configDir, 'services/web.toml'), GOOD_WEB(2));
    assert.match(d.cli('reload-config').stdout, /unchanged|no changes|^$/m);
    assert.deepEqual(poolStatus(d, 'web').extra.workers.map((w) => w.pid).sort(), before);
  });

  test('after hearthd is killed, the next one ends the orphaned workers and starts the pool afresh', async () => {
    const orphans = poolStatus(d, 'web').extra.workers.map((w) => w.pid);
    await d.crash();
    d = await d.restart();
    const fresh = await eventually(() => {
      const st = poolStatus(d, 'web');
      return st.state === 'running' && st.extra.workers.length === 2 ? st.extra.workers : undefined;
    }, 10_000, 'the pool back after the crash');
    assert.ok(orphans.every((pid) => !pidAlive(pid)), 'no worker of the dead hearthd is left');
    assert.ok(fresh.every((w) => !orphans.includes(w.pid)));
    assert.match(await get(portOf(d, 'web')), /^hello from/);
  });

  test('stop ends every worker and start brings the pool back on the same port', async () => {
    const port = portOf(d, 'web');
    const pids = poolStatus(d, 'web').extra.workers.map((w) => w.pid);
    assert.equal(d.cli('stop', 'web').code, 0);
    assert.ok(pids.every((pid) => !pidAlive(pid)));
    assert.equal(poolStatus(d, 'web').extra.workers.length, 0);
    assert.equal(d.cli('start', 'web').code, 0);
    assert.match(await get(port), /^hello from/);
  });
});

describe('pool scaling', { skip: hasPython ? false : 'python3 is not installed (the one-connection-at-a-time worker is a Python script)' }, () => {
  let d: RunningDaemon;
  before(async () => {
    d = await startDaemon({
      'services/prefork.toml':
        `exec = ["python3", "${PY_WORKER}"]\n` +
        'listen = ["tcp://127.0.0.1:0"]\nmin_spare = 1\nmax_spare = 1\nmax_workers = 5\nidle_timeout = "1s"\nready = "log:listening"\n',
      'services/stdin.toml': `exec = ["python3", "${PY_WORKER}"]\nlisten = ["tcp://127.0.0.1:0"]\nworkers = 1\npass_socket = "stdin"\nenvironment = { POOL_FD = "stdin" }\nready = "log:listening"\n`,
    });
  });
  after(async () => {
    await d?.stop();
  });

  test('a backed-up accept queue grows the pool up to max_workers, and idle workers are retired after idle_timeout', async () => {
    await eventually(() => poolStatus(d, 'prefork').state === 'running', 10_000, 'pool running');
    assert.equal(poolStatus(d, 'prefork').extra.workers.length, 1);
    const port = portOf(d, 'prefork');
    // Twelve slow requests against one worker that serves one at a time: the queue backs up.
    const slow = Array.from({ length: 12 }, () => get(port, '/slow?ms=600'));
    const grown = await eventually(() => {
      const n = poolStatus(d, 'prefork').extra.workers.length;
      return n >= 3 ? n : undefined;
    }, 8000, 'the pool to grow');
    assert.ok(grown <= 5, `never above max_workers, saw ${grown}`);
    const bodies = await Promise.all(slow);
    assert.ok(new Set(bodies).size >= 2, 'several workers served the burst');
    await eventually(() => poolStatus(d, 'prefork').extra.workers.length <= 2, 10_000, 'idle workers retired');
  });

  test('pass_socket = "stdin" hands the listening socket over as fd 0', async () => {
    await eventually(() => poolStatus(d, 'stdin').state === 'running', 10_000, 'stdin pool running');
    assert.match(await get(portOf(d, 'stdin')), /^hello from \d+/);
  });
});
