import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { REPO, eventually, freePortBase, freePortBlock, tempDir } from './helpers/index.js';

/**
 * The demo that `npm start` runs is what new users see first: it must not
 * collide with another copy of itself, and its own audit must not raise
 * alarms about what the demo itself exposes.
 */

const DEMO = join(REPO, 'demo');

function demoFiles(dir = DEMO, out: Record<string, string> = {}): Record<string, string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) demoFiles(path, out);
    else out[relative(DEMO, path)] = readFileSync(path, 'utf8');
  }
  return out;
}

describe('the demo init script keeps its pidfile in the runtime dir hearthd gives it', () => {
  const script = join(DEMO, 'init.d', 'sleeperd');
  const dirs = [tempDir('hearth-demo-a-'), tempDir('hearth-demo-b-')];
  const run = (i: number, action: string) =>
    spawnSync(script, [action], { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HEARTH_RUNTIME_DIR: dirs[i]!.path } });
  after(() => {
    for (const i of [0, 1]) run(i, 'stop');
    for (const d of dirs) d.cleanup();
  });

  test('two copies side by side: stopping one leaves the other running', () => {
    assert.equal(run(0, 'start').status, 0);
    assert.equal(run(1, 'start').status, 0);
    assert.ok(statSync(join(dirs[0]!.path, 'sleeperd.pid')).isFile(), 'the pidfile is in the runtime dir');
    assert.equal(run(0, 'stop').status, 0);
    assert.equal(run(0, 'status').status, 3);
    assert.equal(run(1, 'status').status, 0, 'the other copy still runs');
  });
});

describe('the demo config under hearthd', () => {
  let d: RunningDaemon;

  before(async () => {
    const offset = await freePortBase([7, 13]);
    const [catPort, webPort] = [await freePortBlock(1), await freePortBlock(1)];
    const files = demoFiles();
    // Ports are picked at run time.
    files['hearth.toml'] = files['hearth.toml']!.replace(/port_offset = \d+/, `port_offset = ${offset}`);
    files['xinetd.d/cat'] = files['xinetd.d/cat']!.replace(/12323/g, String(catPort));
    files['services/hello-web.toml'] = files['services/hello-web.toml']!.replace(/18080/g, String(webPort));
    d = await startDaemon(files, [], { executable: ['bin/hello-web.mjs', 'init.d/sleeperd'] });
  });
  after(async () => {
    await d?.stop();
  });

  test("hearthd gives the demo's init script its runtime dir, so the pidfile is this hearthd's own", async () => {
    const pidFile = join(d.runtimeDir, 'sleeperd.pid');
    await eventually(() => /sleeperd +running/.test(d.cli('list').stdout) && existsSync(pidFile), 10_000, 'sleeperd running with its pidfile in the runtime dir');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    assert.ok(pid > 0);
    assert.equal(d.cli('stop', 'sleeperd').code, 0);
    assert.ok(!existsSync(pidFile), 'stop removed the pidfile');
  });

  test('every demo inetd service listens on 127.0.0.1 only, and the audit raises nothing about them', async () => {
    await eventually(() => /cat +running/.test(d.cli('list').stdout), 10_000, 'the super-server up');
    const r = d.cli('audit', '--json');
    assert.equal(r.code, 0, r.stderr);
    const names = new Set((JSON.parse(d.cli('list', '--json').stdout) as Array<{ name: string }>).map((s) => s.name));
    const findings = (JSON.parse(r.stdout) as { findings: Array<{ id: string; severity: string; service?: string; evidence: string }> }).findings;
    const ours = findings.filter((f) => f.service !== undefined && names.has(f.service));
    assert.deepEqual(ours.filter((f) => f.id === 'public-listener' || f.id === 'inetd-open-to-all'), []);
    assert.deepEqual(ours.filter((f) => f.severity === 'high' || f.severity === 'critical'), [], 'echo on loopback is no alarm');
    assert.ok(!findings.some((f) => f.id === 'missing-essential' && /cron/.test(f.evidence)), 'hearthd is the cron');
  });
});
