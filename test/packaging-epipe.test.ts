/**
 * hearthd never dies of a closed stdout: `npm start | tee`, then Ctrl-C, used
 * to kill tee first, and hearthd's next write (the shutdown's own messages)
 * failed with EPIPE and ended it mid-shutdown, leaving services running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, eventually, pidAlive, serviceProcesses, tempDir } from './helpers/index.js';
import { runCli, writeTree } from './helpers/daemon.js';

test('hearthd whose stdout reader has gone stops every service on SIGTERM and exits 0', async () => {
  const dir = tempDir();
  const config = join(dir.path, 'config');
  const tag = `epipe${process.pid}x${Date.now()}`;
  // Two services that take a moment to stop, so the shutdown writes several lines after the reader is gone.
  writeTree(config, {
    [`services/${tag}-a.toml`]: 'exec = ["/bin/sh", "-c", "trap \'sleep 0.2; exit 0\' TERM; while :; do sleep 0.05; done"]\n',
    [`services/${tag}-b.toml`]: `exec = ["/bin/sleep", "1000"]\nafter = ["${tag}-a"]\n`,
  });
  mkdirSync(join(dir.path, 'run'), { recursive: true });
  // The reader plays tee: it reads until it is killed, as Ctrl-C kills tee before hearthd.
  const reader = spawn('cat', [], { stdio: ['pipe', 'ignore', 'ignore'] });
  const readerGone = new Promise<void>((resolve) => reader.once('exit', () => resolve()));
  const socket = join(dir.path, 'run', 'hearth.sock');
  const daemon = spawn(
    join(REPO, 'bin', 'hearthd'),
    ['--config-dir', config, '--state-dir', join(dir.path, 'state'), '--runtime-dir', join(dir.path, 'run'), '--log-dir', join(dir.path, 'log'), '--web-listen', 'off'],
    { stdio: ['ignore', reader.stdin, 'pipe'] },
  );
  reader.stdin.destroy();
  let stderr = '';
  daemon.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => daemon.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    const pids = await eventually(() => {
      const found = [...serviceProcesses(`${tag}-a`, join(dir.path, 'run')), ...serviceProcesses(`${tag}-b`, join(dir.path, 'run'))];
      return found.length === 2 ? found : undefined;
    }, 20_000, 'both services running');
    reader.kill('SIGKILL');
    await readerGone;
    // A write into the dead pipe before the shutdown: still answering afterwards.
    assert.equal(runCli(socket, ['restart', `${tag}-b`]).code, 0);
    assert.equal(runCli(socket, ['status', `${tag}-b`]).code, 0);
    daemon.kill('SIGTERM');
    const { code, signal } = await exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, stderr);
    for (const pid of [...pids, ...serviceProcesses(`${tag}-b`, join(dir.path, 'run'))]) assert.equal(pidAlive(pid), false, `service process ${pid} survived hearthd`);
  } finally {
    if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    for (const name of [`${tag}-a`, `${tag}-b`]) for (const pid of serviceProcesses(name, join(dir.path, 'run'))) process.kill(-pid, 'SIGKILL');
    dir.cleanup();
  }
});
