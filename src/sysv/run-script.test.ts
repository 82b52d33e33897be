import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HearthError } from '../errors/index.js';
import { runScript } from './run-script.js';
import { testTempDir } from '../testing/temp-dir.js';

const scripts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/sysv/scripts');
const tmp = () => testTempDir('hearth-rs-');

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

async function waitFor(pred: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return pred();
}

describe('runScript', () => {
  test('status exit codes map to LSB meanings', async () => {
    const dir = tmp();
    const env = { STATE_DIR: dir };
    const demo = path.join(scripts, 'lsb-demo');
    assert.equal((await runScript(demo, 'status', { env })).status, 'stopped');
    const started = await runScript(demo, 'start', { env });
    assert.equal(started.ok, true);
    assert.equal(started.output, 'Starting lsb-demo\n');
    assert.equal(started.status, undefined);
    const running = await runScript(demo, 'status', { env });
    assert.deepEqual([running.code, running.status], [0, 'running']);
    for (const [state, meaning] of [
      ['crashed', 'dead-pidfile'],
      ['locked', 'dead-lockfile'],
    ] as const) {
      fs.writeFileSync(path.join(dir, 'lsb-demo.state'), `${state}\n`);
      assert.equal((await runScript(demo, 'status', { env })).status, meaning);
    }
    const bad = await runScript(demo, 'frobnicate', { env });
    assert.deepEqual([bad.code, bad.ok], [2, false]);
    assert.match(bad.output, /^Usage: /);
  });

  test('the script sees only PATH, the given variables and / as working directory', async () => {
    process.env.HEARTH_LEAK_TEST = 'secret';
    try {
      const r = await runScript(path.join(scripts, 'lsb-demo'), 'env', { env: { RUNLEVEL: '3' }, args: ['a b', '$HOME'] });
      const lines = r.output.trim().split('\n');
      const vars = lines.filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split('=')[0]);
      // sh itself may add PWD, SHLVL and OLDPWD; nothing from our environment gets in.
      assert.deepEqual(vars.filter((v) => !['PWD', 'SHLVL', 'OLDPWD', '_'].includes(v!)), ['PATH', 'RUNLEVEL']);
      assert.ok(lines.includes('PATH=/usr/sbin:/usr/bin:/sbin:/bin'));
      assert.ok(!r.output.includes('secret'));
      assert.ok(lines.includes('/'));
      assert.ok(lines.includes('args:env a b $HOME'), 'arguments pass through unexpanded');
    } finally {
      delete process.env.HEARTH_LEAK_TEST;
    }
  });

  test('a timeout kills the script and everything in its process group', async () => {
    const dir = tmp();
    const r = await runScript(path.join(scripts, 'hang'), 'start', { env: { STATE_DIR: dir }, timeoutMs: 300, killGraceMs: 200 });
    assert.equal(r.timedOut, true);
    assert.equal(r.ok, false);
    assert.equal(r.output, 'hanging\n');
    const child = Number(fs.readFileSync(path.join(dir, 'child.pid'), 'utf8'));
    assert.ok(await waitFor(() => !alive(child)), `child ${child} should be gone`);
  });

  test('a status that times out is "unknown"', async () => {
    const dir = tmp();
    const r = await runScript(path.join(scripts, 'hang'), 'status', { env: { STATE_DIR: dir }, timeoutMs: 200, killGraceMs: 100 });
    assert.equal(r.status, 'unknown');
  });

  test('returns when the script exits even if a daemon it started keeps the output pipe open', async () => {
    const dir = tmp();
    const began = Date.now();
    const r = await runScript(path.join(scripts, 'leave-daemon'), 'start', { env: { STATE_DIR: dir }, timeoutMs: 20_000 });
    const child = Number(fs.readFileSync(path.join(dir, 'child.pid'), 'utf8'));
    try {
      assert.equal(r.ok, true);
      assert.equal(r.output, 'started\n');
      assert.ok(Date.now() - began < 15_000, 'did not wait for the daemon');
      assert.ok(alive(child), 'a successful start leaves the daemon running');
    } finally {
      process.kill(child, 'SIGKILL');
    }
  });

  test('missing and non-executable scripts are HearthErrors', async () => {
    await assert.rejects(runScript(path.join(scripts, 'nope'), 'start'), (e: HearthError) => e.code === 'ERR_EXEC_NOT_FOUND');
    await assert.rejects(
      runScript(path.join(scripts, 'not-executable'), 'start'),
      (e: HearthError) => e.code === 'ERR_SPAWN' && /not executable/.test(e.message),
    );
  });
});
