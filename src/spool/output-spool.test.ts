/**
 * The OutputSpool in process, against the real hearth-spool helper: a
 * service's output is read only once it has some. Most services never write
 * a byte, and a reader per stream for each of them cost about a kilobyte of
 * hearthd's heap per service; the helper drains their pipes all the same.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../journal/index.js';
import { nativeHelperPath, SPOOL_HELPER } from '../native/index.js';
import { OutputSpool, type SpooledOutput } from './index.js';

const built = nativeHelperPath(SPOOL_HELPER) !== null;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (await check()) return;
  assert.fail(`timed out waiting for ${what}`);
}

async function opened(dir = mkdtempSync(join(tmpdir(), 'hearth-spool-'))): Promise<{ spool: OutputSpool; journal: Journal; dir: string; stop(): Promise<void> }> {
  dirs.push(dir);
  const journal = new Journal(join(dir, 'log'));
  const spool = OutputSpool.create({ journal, runtimeDir: join(dir, 'run') }, {})!;
  await spool.open();
  return {
    spool,
    journal,
    dir,
    stop: async () => {
      await spool.drainAll();
      await spool.close();
      journal.close();
    },
  };
}

/** Writes into a service's pipe as the service would (the helper made the FIFO when it was told to watch it). */
async function write(spool: OutputSpool, key: string, text: string): Promise<void> {
  const path = join(spool.fifoDir, key);
  await eventually(() => existsSync(path), `the pipe ${key}`);
  const fd = openSync(path, constants.O_WRONLY);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** The pid of the helper serving this spool (its router), found by its socket in its arguments. */
function helperPid(spool: OutputSpool): number | undefined {
  const socket = join(spool.fifoDir, '..', 'spool.sock');
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const argv = readFileSync(`/proc/${e}/cmdline`, 'latin1').split('\0');
      if (argv[0]!.endsWith(SPOOL_HELPER) && argv.includes(socket)) return Number(e);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** The outputs of two services that have not written yet, once the helper made their pipes (an empty write opens and closes each). */
async function quietServices(spool: OutputSpool, a: string, b: string): Promise<[SpooledOutput, SpooledOutput]> {
  const outputs: [SpooledOutput, SpooledOutput] = [spool.service(a), spool.service(b)];
  for (const name of [a, b]) await write(spool, `${name}.out`, '');
  return outputs;
}

async function texts(journal: Journal, name: string): Promise<string[]> {
  return (await journal.query({ names: [name] })).map((r) => (r.partial ? `${r.text} (partial)` : r.text));
}

test('a service that never writes has no reader state; one whose first output comes late is read in full', { skip: !built && 'hearth-spool is not built' }, async () => {
  const { spool, journal, stop } = await opened();
  try {
    // The watches are answered (the pipes exist), and still nothing reads them.
    const [quiet, late] = await quietServices(spool, 'quiet', 'late');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(spool.census(), { services: 2, workers: 0, streamsRead: 0 });
    assert.equal(quiet.streams.length, 0);
    assert.equal(late.streams.length, 0);

    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i + 1}`);
    await write(spool, 'late.out', `${lines.join('\n')}\n`);
    await eventually(async () => (await texts(journal, 'late')).length === lines.length, 'every line of the late service');
    assert.deepEqual(await texts(journal, 'late'), lines, 'every line, once, in order');
    assert.equal(late.streams.length, 2, 'the late service is read now');
    assert.equal(spool.census().streamsRead, 2, 'and only it');
    assert.equal(quiet.streams.length, 0);

    await write(spool, 'late.err', 'on stderr\n');
    await eventually(async () => (await texts(journal, 'late')).includes('on stderr'), 'a line on the other stream');
  } finally {
    await stop();
  }
});

test('a run that ends without output settles at once; one that ends right after its only line journals it first', { skip: !built && 'hearth-spool is not built' }, async () => {
  const { spool, journal, stop } = await opened();
  try {
    const [quiet, last] = await quietServices(spool, 'quiet', 'last');
    await new Promise((r) => setTimeout(r, 200));

    // The helper answers the drains with nothing new: the run ends on those answers, not when its wait (2 s) runs out.
    let answers = 0;
    let endedOnAnswer: Promise<boolean> | undefined;
    const answered = quiet.quietAnswer.bind(quiet);
    quiet.quietAnswer = () => {
      answers++;
      answered();
      // Right after the answer: settled() is already resolved only if this answer ended the run.
      if (answers === 2) endedOnAnswer = Promise.race([quiet.settled().then(() => true), Promise.resolve().then(() => false)]);
    };
    quiet.finish();
    await quiet.settled();
    assert.equal(await endedOnAnswer, true, `ended by the answers for both streams (${answers} came)`);
    assert.equal(quiet.streams.length, 0, 'and is still not read');

    // The service writes and exits at once: its end comes before hearthd heard of the bytes.
    await write(spool, 'last.out', 'goodbye\nno newline');
    last.finish();
    await last.settled();
    assert.deepEqual(await texts(journal, 'last'), ['goodbye', 'no newline (partial)'], 'the run ended with its bytes journaled');
  } finally {
    await stop();
  }
});

test('after a restart, a service that wrote in an earlier life and is quiet now is read again from its first new byte', { skip: !built && 'hearth-spool is not built' }, async () => {
  // The first hearthd journals a line and stops cleanly: the helper deletes the spool file, the journal keeps the place.
  const first = await opened();
  first.spool.service('svc');
  await write(first.spool, 'svc.out', 'before\n');
  await eventually(async () => (await texts(first.journal, 'svc')).length === 1, 'the first line');
  await first.stop();

  // The next one starts past that place (the helper opens a new generation), and reads nothing until the service writes.
  const again = await opened(first.dir);
  try {
    const svc = again.spool.service('svc');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(svc.streams.length, 0, 'not read while quiet');
    await write(again.spool, 'svc.out', 'after\n');
    await eventually(async () => (await texts(again.journal, 'svc')).length === 2, 'the line written after the restart', 5000);
    assert.deepEqual(await texts(again.journal, 'svc'), ['before', 'after']);
  } finally {
    await again.stop();
  }
});

test('a helper killed while services are quiet is started again; what they write meanwhile and after is read', { skip: !built && 'hearth-spool is not built' }, async () => {
  const { spool, journal, stop } = await opened();
  const holds: number[] = [];
  try {
    const early = spool.service('early');
    const late = spool.service('late');
    for (const key of ['early.out', 'late.out']) {
      await write(spool, key, '');
      // hearthd holds each pipe open too (OutputFifos.hold): while no helper runs, a writer neither blocks in open() nor loses bytes.
      holds.push(openSync(join(spool.fifoDir, key), constants.O_RDONLY | constants.O_NONBLOCK));
    }
    const first = helperPid(spool);
    assert.ok(first, 'the helper runs');
    process.kill(first, 'SIGKILL');
    await write(spool, 'early.out', 'while the helper was away\n');
    await eventually(() => ![undefined, first].includes(helperPid(spool)), 'a new helper');
    await eventually(async () => (await texts(journal, 'early')).length === 1, 'the line written while the helper was away');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(late.streams.length, 0, 'a service still quiet is still not read');
    await write(spool, 'late.out', 'after the restart\n');
    await eventually(async () => (await texts(journal, 'late')).length === 1, 'the line written after the restart');
    assert.equal(early.streams.length, 2);
  } finally {
    holds.forEach((fd) => closeSync(fd));
    await stop();
  }
});

/** Resolves once a process waits in flock(2) for `path` (/proc/locks lists waiters with "->"), or when `done()` says to stop looking. */
async function someoneWaitsFor(path: string, done: () => boolean): Promise<void> {
  const ino = statSync(path).ino;
  const waiter = new RegExp(`^\\d+: -> FLOCK .* [0-9a-f]+:[0-9a-f]+:${ino} `, 'm');
  while (!done() && !waiter.test(readFileSync('/proc/locks', 'latin1'))) await new Promise((r) => setTimeout(r, 20));
}

test('a helper started while a killed one still holds the spool lock waits for it: hearthd keeps its spool', { skip: !built && 'hearth-spool is not built' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-spool-'));
  dirs.push(dir);
  const run = join(dir, 'run');
  const spoolDir = join(run, 'spool');
  mkdirSync(spoolDir, { recursive: true });
  // The predecessor: a helper of this spool that hearthd cannot reach, as a killed one whose worker
  // (which shares the lock) has not seen it yet. A new helper that said "busy" at once would fail
  // open(), and hearthd would read the pipes itself, leaving the spooled bytes unjournaled for good.
  const old = spawn(nativeHelperPath(SPOOL_HELPER)!, ['--socket', join(dir, 'old.sock'), '--spool-dir', spoolDir, '--fifo-dir', join(run, 'output')], { stdio: ['ignore', 'pipe', 'ignore'] });
  const journal = new Journal(join(dir, 'log'));
  let spool: OutputSpool | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      old.stdout!.once('data', (d: Buffer) => (String(d).startsWith('ready') ? resolve() : reject(new Error(`the predecessor said ${String(d)}`))));
    });
    spool = OutputSpool.create({ journal, runtimeDir: run }, {})!;
    let settled = false;
    const opening = spool.open().then(
      () => 'opened',
      (e: Error) => `gave up: ${e.message}`,
    );
    void opening.then(() => (settled = true));
    const first = await Promise.race([opening, someoneWaitsFor(join(spoolDir, '.lock'), () => settled).then(() => 'waiting for the lock')]);
    assert.equal(first, 'waiting for the lock', 'the new helper waits for its predecessor instead of giving up');
    old.kill('SIGKILL');
    assert.equal(await opening, 'opened', 'and serves once the predecessor is gone');
    spool.service('svc');
    await write(spool, 'svc.out', 'through the spool\n');
    await eventually(async () => (await texts(journal, 'svc')).length === 1, 'the line journaled through the new helper');
  } finally {
    old.kill('SIGKILL');
    await spool?.close();
    journal.close();
  }
});
