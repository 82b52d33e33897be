/**
 * No process escapes its service: a unit is everything it ever started. These
 * tests run hearthd with the host's cgroups (v2 for tracking; on hybrid hosts
 * the v1 memory and pids hierarchies for limits), and once with them switched
 * off to check the documented fallback.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { FIXTURE_BIN, eventually, freePort, pidAlive, pidsWith, tempDir, uniqueSleep, exchange } from './helpers/index.js';

interface Detail {
  state: string;
  tasks?: number;
  cgroup?: string;
  memoryBytes?: number;
  detail?: string;
  lastExit?: { reason?: string; signal?: string | null } | null;
}

const cgroupsHere = existsSync('/sys/fs/cgroup/unified/cgroup.procs') || existsSync('/sys/fs/cgroup/cgroup.procs');

describe('process boundary with cgroups', { skip: cgroupsHere ? false : 'this host has no cgroup v2 hierarchy' }, () => {
  let d: RunningDaemon;
  const t = { setsid: uniqueSleep(), child: uniqueSleep(), double: uniqueSleep(), main: uniqueSleep(), adopt: uniqueSleep(), adoptKid: uniqueSleep() };
  const out = tempDir('hearth-boundary-');
  let port = 0;

  before(async () => {
    port = await freePort();
    d = await startDaemon({
      'services/escaper.toml': `exec = ["/bin/sh", "-c", "setsid sleep ${t.setsid} & sleep ${t.main}"]\nrestart = "never"\n`,
      'services/doublefork.toml': `exec = ["/bin/sh", "-c", "(setsid sh -c 'sleep ${t.double}' &) ; sleep ${t.child}"]\nrestart = "never"\n`,
      'services/prefork.toml':
        `type = "forking"\npidfile = "${out.path}/prefork.pid"\nexec = ["${FIXTURE_BIN}/prefork-daemon", "${port}", "${out.path}/prefork.pid", "2"]\n` +
        'restart = "always"\nrestart_delay = "50ms"\nstop_timeout = "2s"\n',
      'services/bomb.toml': `tasks_max = 50\nrestart = "never"\nexec = ["${FIXTURE_BIN}/bounded-fork-bomb", "300", "${out.path}/bomb"]\n`,
      'services/hog.toml': `memory_max = "32M"\nrestart = "never"\nexec = ["${FIXTURE_BIN}/memory-hog", "200"]\nrunlevels = []\n`,
      'services/adoptee.toml': `exec = ["/bin/sh", "-c", "setsid sleep ${t.adoptKid} & sleep ${t.adopt}"]\n`,
    });
  });
  after(async () => {
    await d?.stop();
    out.cleanup();
  });

  const detail = (name: string): Detail => JSON.parse(d.cli('status', name, '--json').stdout) as Detail;

  test('hearthd tracks processes with a cgroup per unit and says so', async () => {
    const info = JSON.parse(d.cli('list', '--json').stdout) as Array<{ name: string }>;
    assert.ok(info.length > 0);
    const s = detail('escaper');
    assert.match(s.cgroup ?? '', /\/hearth-[0-9a-f]+\/escaper\.service$/);
    // hearthd's stdout is read between awaits, so wait for the line rather than read it at once.
    await eventually(() => /process tracking: cgroup v2 at /.test(d.output()), 5000, 'the tracking line');
  });

  test('a child that calls setsid is gone after stop', async () => {
    await eventually(() => pidsWith(t.setsid).length === 1 && pidsWith(t.main).length === 1, 10_000, 'both processes');
    assert.equal(detail('escaper').tasks, 3, 'sh, its sleep and the setsid sleep are all counted');
    assert.equal(d.cli('stop', 'escaper').code, 0);
    assert.deepEqual(pidsWith(t.setsid), [], 'the setsid grandchild survived stop');
    assert.deepEqual(pidsWith(t.main), []);
  });

  test('a double-forked daemon is gone after stop', async () => {
    await eventually(() => pidsWith(t.double).length === 1, 10_000, 'the double-forked sleep');
    assert.equal(d.cli('stop', 'doublefork').code, 0);
    assert.deepEqual(pidsWith(t.double), []);
  });

  test('the workers of a forking daemon whose master is killed are stopped, and it restarts on the same port', async () => {
    const pidfile = join(out.path, 'prefork.pid');
    await eventually(async () => /^worker \d+/.test(await exchange(port).catch(() => '')), 10_000, 'the prefork server to answer');
    const master = Number(readFileSync(pidfile, 'utf8'));
    process.kill(master, 'SIGKILL');
    // A new master with new workers must come up: the old workers (own sessions) held the port.
    await eventually(
      () => {
        const pid = Number(readFileSync(pidfile, 'utf8'));
        return pid !== master && pidAlive(pid) && detail('prefork').state === 'running';
      },
      15_000,
      'a new master',
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${d.cli('status', 'prefork').stdout}\n${d.cli('logs', 'prefork', '-n', '30').stdout}`);
    });
    const answer = await exchange(port);
    assert.match(answer, /^worker \d+/);
    assert.equal(detail('prefork').tasks, 3, 'one master and two workers: the old workers are gone');
    assert.equal(d.cli('stop', 'prefork').code, 0);
    assert.equal(detail('prefork').tasks ?? 0, 0);
    await assert.rejects(exchange(port), 'nothing answers after stop');
  });

  test('tasks_max = 50 contains a fork bomb and the rest of the machine is fine', async () => {
    const report = join(out.path, 'bomb');
    await eventually(() => existsSync(report) && readFileSync(report, 'utf8').includes(' '), 20_000, 'the bomb to finish forking');
    const [made, failed] = readFileSync(report, 'utf8').trim().split(' ').map(Number);
    assert.ok(made! < 50, `made ${made} children under tasks_max = 50`);
    assert.ok(failed! > 200, `only ${failed} forks failed`);
    assert.ok((detail('bomb').tasks ?? 0) <= 50);
    // The rest of the machine still forks.
    assert.equal(d.cli('stop', 'bomb').code, 0);
    assert.equal(detail('bomb').tasks ?? 0, 0);
  });

  test('memory_max = "32M" OOM-kills a hog and status says so', async () => {
    assert.equal(d.cli('start', 'hog').code, 0);
    await eventually(() => detail('hog').lastExit?.reason === 'oom-killed', 20_000, 'the OOM kill');
    const text = d.cli('status', 'hog').stdout;
    assert.match(text, /oom-killed/);
    assert.match(d.cli('logs', 'hearthd', '-n', '100').stdout, /hog: pid \d+ was killed by the kernel: out of memory/);
  });

  test('after kill -9 of hearthd, a unit is found again by its cgroup, setsid children included', async () => {
    await eventually(() => pidsWith(t.adopt).length === 1 && pidsWith(t.adoptKid).length === 1, 10_000, 'the adoptee');
    await d.crash();
    d = await d.restart();
    assert.equal(detail('adoptee').state, 'running');
    assert.equal(pidsWith(t.adopt).length, 1, 'adopted, not started twice');
    assert.equal(d.cli('stop', 'adoptee').code, 0);
    assert.deepEqual(pidsWith(t.adoptKid), [], 'the setsid child of the adopted unit survived stop');
  });
});

describe('process boundary without cgroups (process_tracking = "process-group")', () => {
  test('a setsid child is still found by its marker and stopped; limits are refused with the reason', async () => {
    const s = uniqueSleep();
    const d = await startDaemon({
      'hearth.toml': '[processes]\ntracking = "process-group"\n',
      'services/escaper.toml': `exec = ["/bin/sh", "-c", "setsid sleep ${s} & sleep ${uniqueSleep()}"]\n`,
      'services/limited.toml': 'memory_max = "64M"\nexec = ["/bin/sleep", "1000"]\n',
    });
    try {
      await eventually(() => pidsWith(s).length === 1, 10_000, 'the setsid sleep');
      const status = JSON.parse(d.cli('status', 'escaper', '--json').stdout) as Detail;
      assert.match(status.cgroup ?? '', /process groups, and processes marked HEARTH_SERVICE=escaper/);
      await eventually(() => /process tracking: process groups \(hearth\.toml/.test(d.output()), 5000, 'the tracking line');
      assert.equal(d.cli('stop', 'escaper').code, 0);
      assert.deepEqual(pidsWith(s), []);
      const check = d.cli('check');
      assert.equal(check.code, 1);
      assert.match(check.stdout + check.stderr, /services\/limited\.toml:1: "memory_max" cannot be enforced on this host: .*process-group/);
    } finally {
      await d.stop();
    }
  });
});
