/**
 * hearthd reads a service's spool only from its first output on (a quiet
 * service has no reader). The spool files are the durable part, reader or
 * not: output a quiet service writes while hearthd is dead, and after a new
 * hearthd started, is journaled exactly once, as every line of a service that
 * was read all along is (output-spool.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, tempDir } from './helpers/index.js';

const FIRST = 5000;
const ALL = 10_000;

/** Waits for flag $0, writes n=1…5000, waits for flag $1, writes n=5001…10000 (seq's 4 KiB writes cut lines anywhere). */
const QUIET = (flags: [string, string]): string =>
  `exec = ["/bin/sh", "-c", ` +
  `"while [ ! -e \\"$0\\" ]; do sleep 0.05; done; seq -f n=%.0f 1 ${FIRST}; while [ ! -e \\"$1\\" ]; do sleep 0.05; done; seq -f n=%.0f ${FIRST + 1} ${ALL}; exec sleep 1000", ` +
  `"${flags[0]}", "${flags[1]}"]\nrestart = "never"\n`;

function numbers(d: RunningDaemon, name: string): number[] {
  return d
    .cli('logs', name, '--json', '-n', '100000')
    .stdout.trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { text: string; partial?: boolean })
    .map((r) => (r.partial ? NaN : Number(/^n=(\d+)$/.exec(r.text)?.[1] ?? NaN)));
}

/** Bytes in the service's stdout spool files. */
function spooled(d: RunningDaemon, name: string): number {
  const dir = join(d.runtimeDir, 'spool');
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${name}.out.`))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

test('kill -9 of hearthd while a service is quiet: what it writes meanwhile and after the restart is journaled once', async () => {
  const flags = tempDir('hearth-lazy-flags-');
  const before = join(flags.path, 'write-while-down');
  const afterRestart = join(flags.path, 'write-after-restart');
  let d = await startDaemon({ 'services/quiet.toml': QUIET([before, afterRestart]), 'services/steady.toml': 'exec = ["/bin/sleep", "1000"]\n' });
  try {
    await eventually(() => d.cli('status', 'quiet').code === 0, 10_000, 'quiet running');
    await d.crash();
    // The helper outlives hearthd and spools what the service writes now: bytes no hearthd has read.
    writeFileSync(before, '');
    await eventually(() => spooled(d, 'quiet') >= FIRST * 6, 10_000, 'the first lines in the spool');
    d = await d.restart();
    await eventually(() => numbers(d, 'quiet').length >= FIRST, 20_000, 'the lines written while hearthd was down');
    writeFileSync(afterRestart, '');
    await eventually(() => numbers(d, 'quiet').length >= ALL, 20_000, 'the lines written after the restart');
    const got = numbers(d, 'quiet');
    got.forEach((n, i) => assert.equal(n, i + 1, `line ${i + 1} is n=${n}: lost, doubled or cut`));
    assert.equal(got.length, ALL);
    assert.deepEqual(numbers(d, 'steady'), [], 'the other quiet service has nothing');
  } finally {
    await d.stop();
    flags.cleanup();
  }
});

test('after a clean restart a service quiet at first is read from its first output, and across a kill -9 after it', async () => {
  const flags = tempDir('hearth-lazy-flags-');
  const first = join(flags.path, 'first');
  const second = join(flags.path, 'second');
  let d = await startDaemon({ 'services/quiet.toml': QUIET([first, second]) });
  try {
    writeFileSync(first, '');
    await eventually(() => numbers(d, 'quiet').length >= FIRST, 20_000, 'the first run\'s first lines');
    // A clean stop: the spool files go, the journal keeps the place; the helper starts the next one past it.
    await d.halt();
    rmSync(first);
    d = await d.restart();
    await eventually(() => d.cli('status', 'quiet').code === 0, 10_000, 'quiet running again');
    await new Promise((r) => setTimeout(r, 500));
    writeFileSync(first, '');
    await eventually(() => numbers(d, 'quiet').length >= 2 * FIRST, 20_000, 'the second run\'s first lines, written late');
    await d.crash();
    const held = spooled(d, 'quiet');
    writeFileSync(second, '');
    await eventually(() => spooled(d, 'quiet') >= held + (ALL - FIRST) * 7, 10_000, 'its next lines in the spool');
    d = await d.restart();
    await eventually(() => numbers(d, 'quiet').length >= FIRST + ALL, 20_000, 'every line of both runs');
    const got = numbers(d, 'quiet');
    assert.equal(got.length, FIRST + ALL);
    got.slice(0, FIRST).forEach((n, i) => assert.equal(n, i + 1, `first run: line ${i + 1} is n=${n}`));
    got.slice(FIRST).forEach((n, i) => assert.equal(n, i + 1, `second run: line ${i + 1} is n=${n}`));
  } finally {
    await d.stop();
    flags.cleanup();
  }
});
