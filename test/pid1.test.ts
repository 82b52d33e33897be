import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir, eventually, zombiesUnder } from './helpers/index.js';
import { nativeHelperPath } from '../src/native/index.js';

const hasUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

describe('hearthd as PID 1', () => {
  test('reaps orphaned zombies, forwards SIGTERM to an orderly stop and exits 0', async (t) => {
    if (!hasUnshare) return t.skip('unshare --pid needs root and util-linux');
    if (!nativeHelperPath('hearth-init')) return t.skip('native helper hearth-init not built');
    const dir = tempDir();
    const config = join(dir.path, 'config');
    mkdirSync(join(config, 'services'), { recursive: true });
    // Every 100 ms: a child that forks a grandchild and exits at once, so the grandchild is
    // re-parented to PID 1 and becomes a zombie there when it ends.
    writeFileSync(
      join(config, 'services/orphan-maker.toml'),
      'exec = ["/bin/sh", "-c", "while :; do sh -c \'sleep 0.05 & exit 0\'; sleep 0.1; done"]\n',
    );
    const child = spawn(
      'unshare',
      ['--pid', '--fork', '--mount-proc', join(REPO, 'bin', 'hearthd'), '--config-dir', config, '--state-dir', join(dir.path, 's'), '--runtime-dir', join(dir.path, 'r'), '--log-dir', join(dir.path, 'l')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await eventually(() => out.includes('orphan-maker: stopped -> starting'), 20_000, 'service started');
      await new Promise((r) => setTimeout(r, 1500));
      // The namespace's PID 1 is the only child of unshare.
      const init = Number(spawnSync('pgrep', ['-P', String(child.pid)]).stdout.toString().trim().split('\n')[0]);
      assert.ok(init > 0, 'found the namespace init');
      assert.equal(zombiesUnder(init), 0, 'no zombie left under hearthd');
    } finally {
      spawnSync('pkill', ['-TERM', '-P', String(child.pid)]);
    }
    assert.equal(await exited, 0, out);
    assert.match(out, /stopping services/);
    dir.cleanup();
  });
});
