// What every part of the bench shares: options, the scratch dir, waiting, and the
// processes this run started (and only those) with their cleanup.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { cpus, hostname, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CACHE = join(ROOT, 'bench', '.cache');
export const HEARTHD = join(ROOT, 'bin', 'hearthd');
export const HEARTH = join(ROOT, 'bin', 'hearth');

const args = process.argv.slice(2);
function option(name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
export const QUICK = args.includes('--quick');
export const ONLY = (option('--only') ?? '').split(',').filter(Boolean);
export const ROUNDS = QUICK ? 2 : 5;
export const SECONDS = QUICK ? 1.5 : 4;
/** How long each log writer writes flat out (the 10 s; --log-seconds N to change). */
export const LOG_SECONDS = Number(option('--log-seconds') ?? (QUICK ? 2 : 10));
/** The big fleet for the scale workload (--scale N; the 10,000). */
export const SCALE = Number(option('--scale') ?? (QUICK ? 1000 : 10000));

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Every subject's config and state lives on tmpfs when there is one, as /run does on a
// real system (hearth's runtime dir, s6's and runit's scan dirs): disk latency is not
// what is measured.
export const SCRATCH = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

export function log(msg) {
  process.stderr.write(`bench: ${msg}\n`);
}

export function wanted(name) {
  return ONLY.length === 0 || ONLY.includes(name);
}

export function have(cmd) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd]).status === 0;
}

export function machine() {
  return {
    host: hostname(),
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim(),
    node: process.version,
  };
}

/** The 1-minute load average when a row was measured: shows how busy the machine was. */
export function machineLoad() {
  return Number(loadavg()[0].toFixed(2));
}

export function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor(pred, ms, what, everyMs = 20) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function waitPort(port, ms = 10000) {
  await waitFor(
    () =>
      new Promise((r) => {
        const c = connect(port, '127.0.0.1');
        c.once('connect', () => (c.destroy(), r(true)));
        c.once('error', () => r(false));
      }),
    ms,
    `port ${port} to open`,
  );
}

const cleanups = [];

/** Registers a cleanup step; runCleanups runs them newest first, each at most once. */
export function onCleanup(step) {
  let done = false;
  const once = async (...a) => {
    if (done) return;
    done = true;
    await step(...a);
  };
  cleanups.push(once);
  return once;
}

export async function runCleanups() {
  for (const c of cleanups.splice(0).reverse()) await c().catch((e) => log(`cleanup: ${e.message}`));
}

/** Sends a signal to a pid that may already be gone (a peer's process can exit between listing and killing). */
export function signalQuietly(pid, signal = 'SIGKILL') {
  try {
    process.kill(pid, signal);
    return true;
  } catch (e) {
    if (e.code === 'ESRCH') return false;
    throw e;
  }
}

export const killQuietly = (pid) => signalQuietly(pid, 'SIGKILL');

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Starts a process we own; registered for cleanup; stops exactly it, even if it is already gone. */
export function own(cmd, argv, opts = {}) {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  let err = '';
  child.stderr?.on('data', (d) => (err = (err + d).slice(-8192)));
  // A child that cannot be spawned or signalled reports it here instead of crashing the run.
  child.on('error', (e) => (err += `\n${e.message}`));
  const gone = new Promise((r) => child.once('exit', r));
  const stop = onCleanup(async (signal = 'SIGTERM') => {
    if (exited(child) || child.pid === undefined) return;
    signalQuietly(child.pid, signal);
    await Promise.race([gone, sleep(15000)]);
    if (!exited(child)) signalQuietly(child.pid, 'SIGKILL');
    await Promise.race([gone, sleep(5000)]);
  });
  return { child, pid: child.pid, stop, stderr: () => err };
}

/** A fresh directory on the scratch filesystem, removed when the run cleans up. */
export function scratchDir(prefix) {
  const dir = mkdtempSync(join(SCRATCH, `bench-${prefix}-`));
  onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
