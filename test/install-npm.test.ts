/**
 * The npm package as a user gets it: `npm pack`, then `npm install -g` into a
 * prefix of its own. The tarball carries what an installed copy needs and no
 * tests; the helpers are compiled at install; an installed hearthd as PID 1
 * leaves no zombies. Installed without a C compiler, it says once what is
 * missing and how to get it, and refuses to be PID 1 without a reaper.
 * Nothing an installed copy prints points at a source checkout.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, eventually, tempDir, zombiesUnder } from './helpers/index.js';
import { writeTree } from './helpers/daemon.js';
import { startAsPid1 } from './helpers/pid-namespace.js';
import { NATIVE_HELPERS } from '../src/native/index.js';

const work = tempDir('hearth-npm-');
let tarball = '';

/** Words a checkout would say, which an installed copy must never say. */
const CHECKOUT_WORDS = /npm run build|bin\/hearth\b/;

// Every 100 ms a child forks a grandchild and exits at once: the grandchild is
// re-parented to PID 1 and is a zombie there once it ends, unless PID 1 reaps.
const ORPHAN_MAKER = 'exec = ["/bin/sh", "-c", "while :; do sh -c \'sleep 0.05 & exit 0\'; sleep 0.1; done"]\n';

function npmInstall(prefix: string, env: NodeJS.ProcessEnv = process.env): string {
  // --prefer-offline: the dependencies are in npm's cache after the project's own install.
  const r = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts', tarball], { encoding: 'utf8', env, timeout: 300_000 });
  assert.equal(r.status, 0, `npm install failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

function daemonArgs(dir: string): string[] {
  return ['--config-dir', join(dir, 'config'), '--state-dir', join(dir, 'state'), '--runtime-dir', join(dir, 'run'), '--log-dir', join(dir, 'log'), '--web-listen', 'off'];
}

/** Runs the installed hearthd as PID 1 with an orphan-making service; returns what it printed and the zombie count. */
async function zombiesAsPid1(prefix: string, dir: string, env: NodeJS.ProcessEnv = process.env): Promise<{ zombies: number; output: string; hearth: { code: number; stdout: string } }> {
  writeTree(join(dir, 'config'), { 'services/orphan-maker.toml': ORPHAN_MAKER });
  const init = await startAsPid1([join(prefix, 'bin', 'hearthd'), ...daemonArgs(dir)], env);
  try {
    await eventually(() => init.output().includes('orphan-maker: stopped -> starting'), 20_000, 'the service started');
    // Orphans are made every 100 ms; give them time to end and be (or not be) reaped.
    const sample = Date.now() + 1500;
    await eventually(() => Date.now() > sample, 5000, 'orphans made');
    // A zombie may be caught in the instant before it is reaped; leaked ones pile up and never go.
    const zombies = await eventually(() => zombiesUnder(init.initPid) === 0, 5000, 'no zombie left').then(() => 0, () => zombiesUnder(init.initPid));
    const r = spawnSync(join(prefix, 'bin', 'hearth'), ['--socket', join(dir, 'run', 'hearth.sock'), 'status', 'orphan-maker'], { encoding: 'utf8' });
    init.signal('SIGTERM');
    const { code } = await init.exited;
    assert.equal(code, 0, init.output());
    return { zombies, output: init.output(), hearth: { code: r.status ?? -1, stdout: r.stdout } };
  } finally {
    init.kill();
  }
}

describe('the npm package, installed', () => {
  before(() => {
    // --ignore-scripts: pack what `npm test` just built, without rebuilding dist/ under other tests' feet.
    const r = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work.path], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    tarball = join(work.path, readdirSync(work.path).find((f) => f.endsWith('.tgz'))!);
  });
  after(() => work.cleanup());

  test('the tarball ships native sources, GUI, man pages and catalog, and no tests', () => {
    const files = spawnSync('tar', ['tzf', tarball], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const want of ['package/LICENSE', 'package/native/hearth-init.c', 'package/native/common/server-start.c', 'package/native/spawner/json.c', 'package/scripts/build-native.mjs', 'package/dist/gui/index.html', 'package/dist/main/hearthd.bundle.mjs', 'package/dist/man/hearth.1', 'package/dist/catalog/data/classic.js']) {
      assert.ok(files.includes(want), `${want} missing`);
    }
    assert.deepEqual(files.filter((f) => /\.test\.|^package\/test\/|^package\/src\/|^package\/native\/build\//.test(f)), []);
  });

  test('installed with a C compiler: helpers built, man pages linked, PID 1 without zombies', async () => {
    const prefix = join(work.path, 'with-cc');
    npmInstall(prefix);
    const root = join(prefix, 'lib', 'node_modules', 'hearth');
    for (const h of NATIVE_HELPERS) assert.ok(existsSync(join(root, 'native', 'build', h.name)), `${h.name} not built at install`);
    assert.ok(existsSync(join(prefix, 'share', 'man', 'man1', 'hearth.1')), 'man page not linked');

    const dir = join(work.path, 'run-with-cc');
    const { zombies, output, hearth } = await zombiesAsPid1(prefix, dir);
    assert.equal(zombies, 0, 'zombies under the installed hearthd');
    assert.equal(hearth.code, 0, 'the installed hearth talks to the installed hearthd');
    assert.match(output, /try "hearth --socket /);
    assert.doesNotMatch(output, CHECKOUT_WORDS);
    assert.doesNotMatch(output, /native helpers missing/);
  });

  test('installed without a C compiler: one clear report, tini or a refusal as PID 1', async () => {
    const prefix = join(work.path, 'without-cc');
    npmInstall(prefix, { ...process.env, CC: '/bin/false' });
    const root = join(prefix, 'lib', 'node_modules', 'hearth');
    assert.equal(existsSync(join(root, 'native', 'build', 'hearth-init')), false);

    // Not PID 1: it runs, and says once what is missing, what that costs and how to get it.
    const dir = join(work.path, 'run-without-cc');
    mkdirSync(join(dir, 'config'), { recursive: true });
    const daemon = spawn(join(prefix, 'bin', 'hearthd'), daemonArgs(dir), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    daemon.stdout!.on('data', (d) => (out += d));
    daemon.stderr!.on('data', (d) => (out += d));
    try {
      await eventually(() => out.includes('entering runlevel'), 20_000, 'hearthd booted');
    } finally {
      daemon.kill('SIGTERM');
    }
    await new Promise((resolve) => daemon.once('exit', resolve));
    assert.equal(out.match(/native helpers missing/g)?.length, 1, out);
    for (const h of NATIVE_HELPERS) assert.match(out, new RegExp(`without ${h.name}: `));
    assert.match(out, new RegExp(`to fix: install a C compiler .*, then run "node ${root}/scripts/build-native.mjs"`));
    assert.doesNotMatch(out, CHECKOUT_WORDS);

    const doctor = spawnSync(join(prefix, 'bin', 'hearth'), ['doctor', '--json', '--socket', join(dir, 'none.sock')], { encoding: 'utf8' });
    const helpers = (JSON.parse(doctor.stdout) as { checks: Array<{ id: string; status: string; fix?: string }> }).checks.find((c) => c.id === 'helpers');
    assert.equal(helpers?.status, 'warn');
    assert.match(helpers?.fix ?? '', /build-native\.mjs/);

    // PID 1 with tini on the PATH: tini reaps in hearth-init's place.
    const withTini = await zombiesAsPid1(prefix, join(work.path, 'pid1-tini'));
    assert.equal(withTini.zombies, 0, 'zombies under tini');

    // PID 1 with neither: a refusal that names the missing helper and the way out, exit 1.
    const bin = join(work.path, 'bare-path');
    mkdirSync(bin);
    for (const tool of ['node', 'dirname', 'readlink']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      symlinkSync(found, join(bin, tool));
    }
    const bare = await startAsPid1([join(prefix, 'bin', 'hearthd'), ...daemonArgs(join(work.path, 'pid1-bare'))], { ...process.env, PATH: bin }, [], { mayExitAtOnce: true });
    const { code } = await bare.exited;
    assert.equal(code, 1, bare.output());
    assert.match(bare.output(), /refusing to run as PID 1 without a reaper/);
    assert.match(bare.output(), /hearth-init is missing/);
    assert.match(bare.output(), /tini/);
    assert.doesNotMatch(bare.output(), CHECKOUT_WORDS);
  });
});
