/** The Daemon says when a reload or a runlevel switch is over (hearthd then gives the burst's memory back). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon } from '../src/daemon/index.js';
import { writeTree } from './helpers/daemon.js';
import { tempDir } from './helpers/index.js';

test('afterBurst comes once a reload (even a refused one) or a runlevel switch is over, not at its start', async () => {
  const root = tempDir('hearth-burst-');
  const configDir = join(root.path, 'config');
  writeTree(configDir, { 'services/a.toml': 'exec = ["/bin/sleep", "1000"]\nrunlevels = [3]\n' });
  mkdirSync(join(root.path, 'run'), { recursive: true });
  const bursts: string[] = [];
  let phase = 'boot';
  const daemon = new Daemon({
    configDir,
    stateDir: join(root.path, 'state'),
    runtimeDir: join(root.path, 'run'),
    logDir: join(root.path, 'log'),
    afterBurst: () => bursts.push(phase),
  });
  try {
    await daemon.boot();
    assert.deepEqual(bursts, [], 'the boot is hearthd main\'s to report');
    phase = 'reload';
    const reloading = daemon.reloadConfig();
    assert.deepEqual(bursts, [], 'not while the reload runs');
    await reloading;
    phase = 'refused reload';
    writeFileSync(join(configDir, 'hearth.toml'), 'runlevel = "three"\n');
    const refused = await daemon.reloadConfig();
    assert.ok(refused.errors.length > 0);
    phase = 'switch';
    const switching = daemon.switchRunlevel(2, true);
    assert.equal(bursts.length, 2, 'not while the switch runs');
    const done = await switching;
    assert.deepEqual(done.stopped, ['a']);
    assert.deepEqual(bursts, ['reload', 'refused reload', 'switch']);
  } finally {
    await daemon.shutdown();
    root.cleanup();
  }
});
