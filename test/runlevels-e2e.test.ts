import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { FIXTURES, REPO, eventually, freePortBase, pidAlive } from './helpers/index.js';
import { testTempDir } from '../src/testing/temp-dir.js';

interface Row {
  name: string;
  kind: string;
  state: string;
  startedAt: number | null;
  readyAt: number | null;
  enabled?: boolean;
}

describe('runlevels, SysV scripts and the classic tools in hearthd', () => {
  let d: RunningDaemon;
  const scratch = testTempDir('hearth-rl-');
  const pidFile = join(scratch, 'sleeperd.pid');
  let offset = 0;

  before(async () => {
    offset = await freePortBase([13]);
    const script = readFileSync(join(FIXTURES, 'sysv-own', 'sleeperd'), 'utf8').replace('/tmp/hearth-test-sleeperd.pid', pidFile);
    d = await startDaemon({
      'hearth.toml': `runlevel = 3\n[inetd]\nport_offset = ${offset}\n`,
      'services/db.toml': 'description = "database"\nexec = ["/bin/sh", "-c", "sleep 0.3; echo ready; exec sleep 1000"]\nready = "log:ready"\nruntimelevels = 1\n'.replace('runtimelevels = 1\n', 'runlevels = [3, 5]\n'),
      'services/app.toml': 'description = "app needs db"\nexec = ["/bin/sleep", "1000"]\nrequires = ["db"]\nrunlevels = [3]\n',
      'services/gui.toml': 'description = "only in 5"\nexec = ["/bin/sleep", "1000"]\nrunlevels = [5]\n',
      'init.d/sleeperd': script,
      'xinetd.d/daytime': '# default: on\n# description: daytime\nservice daytime\n{\n\ttype = INTERNAL\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tdisable = no\n}\n',
    }, [], { executable: ['init.d/sleeperd'] });
  });
  after(async () => {
    await d?.stop();
    spawnSync('rm', ['-rf', scratch]);
  });

  const rows = (): Row[] => JSON.parse(d.cli('list', '--json').stdout) as Row[];
  const row = (n: string) => rows().find((r) => r.name === n)!;

  test('boot enters the default runlevel: runlevel prints "N 3"', () => {
    assert.equal(d.cli('runlevel').stdout, 'N 3\n');
  });

  test('a dependent starts only once its dependency is ready', async () => {
    await eventually(() => row('app').state === 'running', 5000, 'app running');
    assert.ok(row('app').startedAt! >= row('db').readyAt!, 'app started after db was ready');
    assert.equal(row('gui').state, 'stopped');
  });

  test('a SysV script is started by the runlevel and answers status through hearth', async () => {
    await eventually(() => existsSync(pidFile), 5000, 'sleeperd pidfile');
    assert.equal(row('sleeperd').kind, 'sysv');
    assert.equal(d.cli('service', 'sleeperd', 'status').code, 0);
    assert.equal(d.cli('stop', 'sleeperd').code, 0);
    assert.equal(d.cli('service', 'sleeperd', 'status').code, 3);
    assert.equal(d.cli('service', 'sleeperd', 'start').code, 0);
    assert.ok(pidAlive(Number(readFileSync(pidFile, 'utf8'))));
  });

  test('init 5 stops what is not enabled in 5 and starts what is; init 3 goes back', () => {
    const r = d.cli('init', '5', '--json');
    assert.equal(r.code, 0, r.stderr);
    const sw = JSON.parse(r.stdout) as { stopped: string[]; started: string[] };
    assert.deepEqual(sw.stopped, ['app']);
    assert.deepEqual(sw.started, ['gui']);
    assert.equal(d.cli('runlevel').stdout, '3 5\n');
    assert.equal(row('db').state, 'running', 'db is enabled in both and keeps running');
    const back = d.cli('init', '3');
    assert.equal(back.code, 0, back.stderr);
    // Progress is shown as each service changes, then a summary.
    assert.match(back.stdout, /Switching to runlevel 3\.\.\.\n[\s\S]*stopped +gui[\s\S]*running +app[\s\S]*Runlevel 5 -> 3: 1 stopped, 1 started\n$/);
    assert.equal(row('gui').state, 'stopped');
    assert.equal(row('app').state, 'running');
  });

  test('chkconfig --list prints the classic columns and the xinetd section', () => {
    const r = d.cli('chkconfig', '--list');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^app {12}\t0:off\t1:off\t2:off\t3:on\t4:off\t5:off\t6:off$/m);
    assert.match(r.stdout, /^db {13}\t0:off\t1:off\t2:off\t3:on\t4:off\t5:on\t6:off$/m);
    assert.match(r.stdout, /^sleeperd {7}\t0:off\t1:off\t2:on\t3:on\t4:on\t5:on\t6:off$/m);
    assert.match(r.stdout, /\nxinetd based services:\n\tdaytime-stream: *\ton\n|\nxinetd based services:\n\t\S+:\s*\ton\n/);
  });

  test('chkconfig --level, the bare query by exit status, and the classic errors', () => {
    assert.equal(d.cli('chkconfig', 'app').code, 0, 'on in the current level');
    assert.equal(d.cli('chkconfig', 'gui').code, 1, 'off in the current level');
    assert.equal(d.cli('chkconfig', '--level', '4', 'gui', 'on').code, 0);
    assert.match(d.cli('chkconfig', '--list', 'gui').stdout, /4:on\t5:on/);
    assert.equal(d.cli('chkconfig', '--level', '4', 'gui').code, 0);
    const two = d.cli('chkconfig', '--level', '45', 'gui');
    assert.notEqual(two.code, 0);
    assert.match(two.stderr, /only one runlevel may be specified for a chkconfig query/);
    assert.equal(d.cli('chkconfig', '--del', 'gui').code, 0);
    // As chkconfig says of a service in no runlevel:
    assert.match(d.cli('chkconfig', '--list', 'gui').stderr, /not referenced in any runlevel/);
    assert.equal(d.cli('chkconfig', '--add', 'gui').code, 0);
    assert.match(d.cli('chkconfig', '--list', 'gui').stdout, /4:off\t5:on/);
  });

  test('chkconfig --override takes chkconfig.d/NAME\'s levels while the service is as added', async () => {
    const { writeFileSync, mkdirSync } = await import('node:fs');
    mkdirSync(join(d.configDir, 'chkconfig.d'), { recursive: true });
    writeFileSync(join(d.configDir, 'chkconfig.d', 'sleeperd'), '#!/bin/sh\n# chkconfig: 35 20 80\n# description: override\n');
    const r = d.cli('chkconfig', '--override', 'sleeperd');
    assert.equal(r.code, 0, r.stderr);
    assert.match(d.cli('chkconfig', '--list', 'sleeperd').stdout, /2:off\t3:on\t4:off\t5:on/);
  });

  test('enable/disable are the modern spelling', () => {
    assert.equal(d.cli('enable', 'gui', '--level', '3').code, 0);
    assert.equal(d.cli('chkconfig', 'gui').code, 0);
    assert.equal(d.cli('disable', 'gui', '--level', '3').code, 0);
    assert.equal(d.cli('chkconfig', 'gui').code, 1);
  });

  test('chkconfig NAME off for an xinetd service rewrites its disable line and closes the port', async () => {
    const off = d.cli('chkconfig', 'daytime', 'off');
    assert.equal(off.code, 0, off.stderr);
    assert.match(readFileSync(join(d.configDir, 'xinetd.d/daytime'), 'utf8'), /disable\s*=\s*yes/);
    await eventually(() => row('daytime').state === 'stopped', 5000, 'daytime off');
    assert.equal(d.cli('chkconfig', 'daytime', 'on').code, 0);
    assert.match(readFileSync(join(d.configDir, 'xinetd.d/daytime'), 'utf8'), /disable\s*=\s*no/);
    await eventually(() => row('daytime').state === 'running', 5000, 'daytime on');
  });

  test('hearth disable/enable switch an xinetd service as a whole and refuse --level for it', async () => {
    const off = d.cli('disable', 'daytime');
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /^daytime: off$/m);
    await eventually(() => row('daytime').state === 'stopped', 5000, 'daytime off');
    const perLevel = d.cli('enable', 'daytime', '--level', '3');
    assert.equal(perLevel.code, 1);
    assert.match(perLevel.stderr, /inetd-style service.*leave out --level/);
    assert.equal(d.cli('enable', 'daytime').code, 0);
    assert.match(readFileSync(join(d.configDir, 'xinetd.d/daytime'), 'utf8'), /disable\s*=\s*no/);
    await eventually(() => row('daytime').state === 'running', 5000, 'daytime on');
  });

  test('service --status-all uses the classic marks', () => {
    const r = d.cli('service', '--status-all');
    assert.match(r.stdout, /^ \[ \+ \] {2}app$/m);
    assert.match(r.stdout, /^ \[ - \] {2}gui$/m);
  });

  test('analyze: blame, critical-chain and a valid SVG plot of the last switch', () => {
    // The last switch was "init 3", which started app again.
    assert.match(d.cli('analyze', 'blame', '--last').stdout, /\d+ms app/);
    assert.equal(d.cli('analyze', 'critical-chain', '--last').code, 0);
    const file = join(scratch, 'boot.svg');
    assert.equal(d.cli('analyze', 'plot', file, '--last').code, 0);
    const svg = readFileSync(file, 'utf8');
    assert.match(svg, /^(<\?xml[^>]*>\s*)?<svg[\s\S]*<\/svg>\s*$/);
    const py = spawnSync('python3', ['-c', 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])', file]);
    if (py.error === undefined) assert.equal(py.status, 0, py.stderr.toString());
  });

  test('invoked through links named chkconfig, runlevel and service, hearth acts as those tools', () => {
    const bin = testTempDir('hearth-links-');
    for (const n of ['chkconfig', 'runlevel', 'service', 'telinit']) symlinkSync(join(REPO, 'bin', 'hearth'), join(bin, n));
    const env = { ...process.env, HEARTH_SOCKET: d.socket };
    const run = (n: string, ...a: string[]) => spawnSync(join(bin, n), a, { env, encoding: 'utf8' });
    assert.equal(run('runlevel').stdout, '3 3\n'.replace('3 3', run('runlevel').stdout.trim()));
    assert.match(run('runlevel').stdout, /^\S \d\n$/);
    assert.match(run('chkconfig', '--list', 'app').stdout, /^app {12}\t0:off/);
    assert.equal(run('service', 'app', 'status').status, 0);
    spawnSync('rm', ['-rf', bin]);
  });

  test('enablement survives a hearthd restart', async () => {
    assert.equal(d.cli('chkconfig', '--level', '2', 'app', 'on').code, 0);
    await d.crash();
    d = await d.restart();
    assert.match(d.cli('chkconfig', '--list', 'app').stdout, /2:on\t3:on/);
  });
});
