/**
 * hearthd raises its own descriptor limit (it holds many connections, pipes
 * and log files) but the services it starts keep the limit hearthd was
 * started with, as under systemd: a program that still uses select() breaks
 * with descriptors past 1024.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTree, runCli } from '../helpers/daemon.js';
import { REPO, eventually, tempDir } from '../helpers/index.js';
import { readNofileLimit } from '../../src/process/index.js';

test('services get the descriptor limit hearthd was started with; hearthd runs at its hard limit', async () => {
  const dir = tempDir('hearth-nofile-');
  const out = join(dir.path, 'limits');
  writeTree(join(dir.path, 'config'), {
    'services/plain.toml': `exec = ["/bin/sh", "-c", "echo $(ulimit -Sn):$(ulimit -Hn) > ${out}; exec sleep 1000"]\n`,
    'services/own.toml': `exec = ["/bin/sh", "-c", "echo $(ulimit -Sn) > ${out}.own; exec sleep 1000"]\n[rlimits]\nnofile = "2048:4096"\n`,
  });
  mkdirSync(join(dir.path, 'run'), { recursive: true });
  // Started with soft 1024, hard 4096: hearthd itself goes to 4096, services stay at 1024.
  const d = spawn('prlimit', ['--nofile=1024:4096', '--', join(REPO, 'bin', 'hearthd'), '--config-dir', join(dir.path, 'config'), '--state-dir', join(dir.path, 'state'), '--runtime-dir', join(dir.path, 'run'), '--log-dir', join(dir.path, 'log'), '--web-listen', 'off', '--quiet'], { stdio: 'ignore' });
  try {
    const socket = join(dir.path, 'run', 'hearth.sock');
    await eventually(() => runCli(socket, ['list']).code === 0, 20_000, 'hearthd');
    await eventually(() => { try { return readFileSync(out, 'utf8').trim() === '1024:4096'; } catch { return false; } }, 10_000, `the service's limit (got ${(() => { try { return readFileSync(out, 'utf8'); } catch { return '-'; } })()})`);
    await eventually(() => { try { return readFileSync(`${out}.own`, 'utf8').trim() === '2048'; } catch { return false; } }, 10_000, 'rlimits.nofile to win');
    const info = JSON.parse(runCli(socket, ['status', 'plain', '--json']).stdout) as { pid: number };
    assert.ok(info.pid > 0);
    assert.deepEqual(readNofileLimit(d.pid!), { soft: 4096, hard: 4096 });
  } finally {
    d.kill('SIGTERM');
    await new Promise((r) => d.once('exit', r));
    dir.cleanup();
  }
});
