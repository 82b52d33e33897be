/**
 * hearth-spool's stream table, through its own protocol: a lookup of a key
 * that is not there, in the bucket of the very first stream, must answer.
 * (The first stream was once linked twice into its bucket, as its own
 * successor: such a lookup never ended and the helper spun at full CPU,
 * holding every service's output.)
 */
import { describe, test, after } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { REPO, eventually, tempDir } from './helpers/index.js';

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
    const spool = join(dir.path, 'spool');
    const fifos = join(dir.path, 'fifo');
    mkdirSync(spool);
    mkdirSync(fifos);
    const socket = join(dir.path, 'spool.sock');
    const helper = spawn(join(REPO, 'native', 'build', 'hearth-spool'), ['--socket', socket, '--spool-dir', spool, '--fifo-dir', fifos], { stdio: ['ignore', 'pipe', 'inherit'] });
    let ready = '';
    helper.stdout.on('data', (b) => (ready += String(b)));
    try {
      await eventually(() => ready.includes('ready'), 10_000, 'the helper to be ready');
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
});
