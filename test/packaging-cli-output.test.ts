/**
 * Piped CLI output is complete: `hearth list --json | …` once delivered the
 * first 64 KiB and exited 0, because the process exited while a pipe write
 * was still queued. Here more than 1 MiB goes through a pipe to a reader.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './helpers/index.js';
import { startDaemon } from './helpers/daemon.js';

const SERVICES = 1000;

test('hearth list --json through a pipe delivers every byte (over 1 MiB) and exits 0', async () => {
  const files: Record<string, string> = {};
  const description = 'a service that is listed but never started; '.repeat(25);
  // runlevels = [] keeps them all stopped: the test is about output, not processes.
  for (let i = 0; i < SERVICES; i++) files[`services/s${i}.toml`] = `description = "${description}"\nexec = ["/bin/true"]\nrunlevels = []\n`;
  const daemon = await startDaemon(files);
  try {
    // A pipe (not spawnSync's buffer) with a reader that takes its time per chunk.
    const child = spawn(process.execPath, [join(REPO, 'bin', 'hearth'), '--socket', daemon.socket, 'list', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => {
      chunks.push(d);
      child.stdout.pause();
      setImmediate(() => child.stdout.resume());
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    const text = Buffer.concat(chunks).toString('utf8');
    assert.equal(code, 0, stderr);
    assert.ok(text.length > 1024 * 1024, `only ${text.length} bytes arrived`);
    const list = JSON.parse(text) as Array<{ name: string }>;
    assert.equal(list.length, SERVICES);
  } finally {
    assert.equal(await daemon.stop(), 0);
  }
});
