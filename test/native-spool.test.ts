/**
 * hearth-spool through its own protocol. Its stream table: a lookup of a key
 * that is not there, in the bucket of the very first stream, must answer.
 * (The first stream was once linked twice into its bucket, as its own
 * successor: such a lookup never ended and the helper spun at full CPU,
 * holding every service's output.) And its workers: more streams than one
 * process's descriptor limit allows are spread over several, and a worker
 * that dies takes the helper down so that hearthd starts a whole new one.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { REPO, eventually, pidAlive, tempDir } from './helpers/index.js';

const HELPER = join(REPO, 'native', 'build', 'hearth-spool');

interface Spool {
  helper: ChildProcess;
  socket: string;
  spoolDir: string;
  fifoDir: string;
}

/** Starts a helper in a fresh directory, optionally under a descriptor limit (prlimit(1), which execs it: the same pid, lowered with no privilege). */
async function startSpool(dir: string, nofile?: number): Promise<Spool> {
  const spoolDir = join(dir, 'spool');
  const fifoDir = join(dir, 'fifo');
  mkdirSync(spoolDir, { recursive: true });
  mkdirSync(fifoDir, { recursive: true });
  const socket = join(dir, 'spool.sock');
  const argv = ['--socket', socket, '--spool-dir', spoolDir, '--fifo-dir', fifoDir];
  const helper = nofile ? spawn('prlimit', [`--nofile=${nofile}:${nofile}`, HELPER, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(HELPER, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  let said = '';
  helper.stdout!.on('data', (b) => (said += String(b)));
  await eventually(() => said.includes('ready'), 10_000, 'the helper to be ready');
  return { helper, socket, spoolDir, fifoDir };
}

async function dial(socket: string): Promise<{ c: Socket; answers: () => string }> {
  const c = connect(socket);
  let answers = '';
  c.on('data', (b) => (answers += String(b)));
  await new Promise((r) => c.once('connect', r));
  return { c, answers: () => answers };
}

/** The helper's worker processes: its children. */
function workersOf(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return children ? children.split(' ').map(Number) : [];
}

/** The helper's hash (FNV-1a, 32 bits) and its first table size. */
function bucket(key: string): number {
  let h = 2166136261;
  for (const c of Buffer.from(key)) h = Math.imul(h ^ c, 16777619) >>> 0;
  return h % 1024;
}

describe('hearth-spool', () => {
  const dir = tempDir('hearth-spool-table-');
  after(() => dir.cleanup());

  test('a key missing from the first stream\'s bucket is answered, then added and drained', async () => {
    const { helper, socket } = await startSpool(join(dir.path, 'table'));
    try {
      const first = 'first.out';
      let other = '';
      for (let n = 0; !other; n++) if (bucket(`k${n}.out`) === bucket(first)) other = `k${n}.out`;
      const c = connect(socket);
      let answers = '';
      c.on('data', (b) => (answers += String(b)));
      await new Promise((r) => c.once('connect', r));
      c.write(`w ${first} c 0 0 0 0\n`);
      await eventually(() => answers.includes(first), 10_000, 'the first stream watched');
      c.write(`d ${other}\nw ${other} c 0 0 0 0\nd ${other}\n`);
      await eventually(() => new RegExp(`^s ${other.replace('.', '\\.')} `, 'm').test(answers), 10_000, `an answer for ${other} (the helper looping in its table gives none)`);
      c.destroy();
    } finally {
      helper.kill('SIGKILL');
    }
  });

  test('streams beyond one process\'s descriptor limit go to more workers, and every one is drained', async () => {
    // 128 descriptors: (128 - 64) / 2 = 32 streams per worker, so 80 streams need three.
    const { helper, socket, spoolDir, fifoDir } = await startSpool(join(dir.path, 'spread'), 128);
    try {
      const { c, answers } = await dial(socket);
      const keys = Array.from({ length: 80 }, (_, i) => `svc${i}.out`);
      c.write(keys.map((k) => `w ${k} k 0 0 0 0\n`).join(''));
      await eventually(() => keys.every((k) => answers().includes(`s ${k} 0 0 1\n`)), 10_000, 'every stream watched');
      assert.doesNotMatch(answers(), /^f /m);
      assert.equal(workersOf(helper.pid!).length, 3, 'three workers');
      for (const k of keys) writeFileSync(join(fifoDir, k), `line of ${k}\n`);
      await eventually(() => keys.every((k) => readFileSync(join(spoolDir, `${k}.0`), 'utf8') === `line of ${k}\n`), 10_000, 'every stream spooled');
      // The watch's answer stands for the next notice; a progress report (nothing read yet) asks again.
      c.write(keys.map((k) => `p ${k} 0 0 0 0\n`).join(''));
      await eventually(() => keys.every((k) => answers().includes(`a ${k} 0 ${`line of ${k}\n`.length}\n`)), 10_000, 'a notice for every stream');
      // A new client (a new hearthd) watches every stream again, as hearthd does, and hears from every worker.
      c.destroy();
      const again = await dial(socket);
      again.c.write(keys.map((k) => `w ${k} k 0 0 0 0\n`).join(''));
      const size = (k: string) => `line of ${k}\n`.length;
      await eventually(() => keys.every((k) => again.answers().includes(`s ${k} 0 ${size(k)} 1\n`)), 10_000, 'the new client told of every stream');
      for (const k of keys) writeFileSync(join(fifoDir, k), 'more\n');
      again.c.write(keys.map((k) => `p ${k} 0 0 0 ${size(k)}\n`).join(''));
      await eventually(() => keys.every((k) => again.answers().includes(`a ${k} 0 ${size(k) + 5}\n`)), 10_000, 'notices to the new client');
      again.c.write('q\n');
      await eventually(() => helper.exitCode !== null, 10_000, 'the helper to quit');
      assert.equal(existsSync(socket), false, 'its socket removed');
    } finally {
      helper.kill('SIGKILL');
    }
  });

  test('a worker that dies takes the helper down, and a new one can start at once', async () => {
    const place = join(dir.path, 'dies');
    const { helper, socket } = await startSpool(place, 128);
    try {
      const { c, answers } = await dial(socket);
      const keys = Array.from({ length: 40 }, (_, i) => `w${i}.err`);
      c.write(keys.map((k) => `w ${k} k 0 0 0 0\n`).join(''));
      await eventually(() => keys.every((k) => answers().includes(`s ${k} 0 0 1\n`)), 10_000, 'every stream watched');
      const workers = workersOf(helper.pid!);
      assert.equal(workers.length, 2);
      process.kill(workers[1]!, 'SIGKILL');
      await eventually(() => helper.exitCode !== null, 10_000, 'the helper to leave');
      await eventually(() => workers.every((w) => !pidAlive(w)), 10_000, 'the other worker gone too');
      assert.equal(existsSync(socket), false);
      const spoolDir = join(place, 'spool');
      const next = spawn(HELPER, ['--socket', socket, '--spool-dir', spoolDir, '--fifo-dir', join(place, 'fifo')], { stdio: ['ignore', 'pipe', 'inherit'] });
      let said = '';
      next.stdout.on('data', (b) => (said += String(b)));
      try {
        await eventually(() => said.includes('\n'), 10_000, 'the new helper to answer');
        assert.equal(said, 'ready\n', 'the lock is free: no worker of the old one holds it');
      } finally {
        next.kill('SIGKILL');
      }
    } finally {
      helper.kill('SIGKILL');
    }
  });
});
