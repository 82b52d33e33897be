/**
 * The boot is not the last switch: `hearth analyze` shows the boot by default
 * and the last `hearth init N` with --last. And a clean stop of hearthd is not
 * a runlevel: the next hearthd on the same runtime dir boots into the default
 * level again.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually } from './helpers/index.js';

interface Row {
  name: string;
  state: string;
}

describe('hearth analyze: the boot and the last switch; a clean stop', () => {
  let d: RunningDaemon;

  before(async () => {
    d = await startDaemon({
      'hearth.toml': 'runlevel = 3\n',
      'services/base.toml': 'description = "in 3 and 5"\nexec = ["/bin/sleep", "1000"]\nrunlevels = [3, 5]\n',
      'services/desk.toml': 'description = "only in 5"\nexec = ["/bin/sleep", "1000"]\nrunlevels = [5]\n',
    });
  });
  after(async () => {
    await d?.stop();
  });

  const state = (name: string) => (JSON.parse(d.cli('list', '--json').stdout) as Row[]).find((r) => r.name === name)?.state;
  const blamed = (...args: string[]) => {
    const r = d.cli('analyze', 'blame', '--json', ...args);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as Array<{ name: string }>).map((e) => e.name).sort();
  };

  test('after a boot and then "init 5", analyze shows the boot and --last shows the switch', async () => {
    await eventually(() => state('base') === 'running', 10_000, 'base running after the boot');
    assert.deepEqual(blamed(), ['base']);
    assert.equal(d.cli('init', '5').code, 0);
    assert.equal(state('desk'), 'running');
    assert.deepEqual(blamed(), ['base'], 'the default is still the boot');
    assert.deepEqual(blamed('--last'), ['desk']);
    const bootPlot = join(d.root, 'boot.svg');
    const lastPlot = join(d.root, 'last.svg');
    assert.equal(d.cli('analyze', 'plot', bootPlot).code, 0);
    assert.equal(d.cli('analyze', 'plot', lastPlot, '--last').code, 0);
    assert.match(readFileSync(bootPlot, 'utf8'), /boot into runlevel 3 at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    assert.match(readFileSync(lastPlot, 'utf8'), /switch from runlevel 3 to 5 at/);
  });

  test('after SIGTERM the next hearthd on the same runtime dir enters the default runlevel and starts its services', async () => {
    const exited = new Promise<number | null>((resolve) => d.child.once('exit', (code) => resolve(code)));
    d.child.kill('SIGTERM');
    assert.equal(await exited, 0);
    d = await d.restart();
    assert.equal(d.cli('runlevel').stdout, 'N 3\n');
    await eventually(() => state('base') === 'running', 10_000, 'base running after the restart');
    assert.equal(state('desk'), 'stopped');
    // A fresh start of hearthd is a new boot.
    assert.deepEqual(blamed(), ['base']);
  });
});
