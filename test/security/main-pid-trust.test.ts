/**
 * Attack: a service tells hearthd that some other process is its main process
 * (through its pidfile, or sd_notify's MAINPID=), hoping that `hearth stop`,
 * `restart`, `reload` or a start timeout make root's hearthd signal it.
 * hearthd must refuse the pid and never touch the victim.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { eventually, pidAlive, tempDir } from '../helpers/index.js';
import { nativeHelperPath } from '../../src/native/index.js';
import { lookupUser } from '../../src/process/index.js';

const root = userInfo().uid === 0;

describe('a service cannot hand hearthd someone else\'s pid', { skip: root ? false : 'needs root to run a service as nobody' }, () => {
  let d: RunningDaemon;
  let victim: ChildProcess;
  const dir = tempDir('hearth-pidtrust-');
  const pidDir = join(dir.path, 'nobody-owned');
  const notify = nativeHelperPath('hearth-notify');

  before(async () => {
    // The victim stands for a root daemon the attacker wants killed.
    victim = spawn('/bin/sleep', ['1000'], { stdio: 'ignore', detached: true });
    const nobody = lookupUser('nobody');
    mkdirSync(pidDir, { mode: 0o755 });
    chownSync(pidDir, nobody.uid, nobody.gid);
    chmodSync(dir.path, 0o755);
    d = await startDaemon({
      'services/liar.toml':
        `user = "nobody"\ntype = "forking"\npidfile = "${pidDir}/liar.pid"\nstart_timeout = "5s"\nrestart = "never"\n` +
        `exec = ["/bin/sh", "-c", "sleep 1000 & echo ${victim.pid} > ${pidDir}/liar.pid"]\n`,
      'services/notifier.toml':
        `ready = "notify"\nstart_timeout = "5s"\nrestart = "never"\n` +
        `exec = ["/bin/sh", "-c", "${notify} MAINPID=${victim.pid} READY=1; exec sleep 1000"]\n`,
    });
  });
  after(async () => {
    await d?.stop();
    victim?.kill('SIGKILL');
    dir.cleanup();
  });

  test('a pidfile naming a process outside the service fails the start, naming the pid and why', async () => {
    await eventually(() => /failed|exited/.test(JSON.parse(d.cli('status', 'liar', '--json').stdout).state), 15_000, 'the start to fail');
    const logs = d.cli('logs', 'hearthd', '-n', '100').stdout;
    assert.match(logs, new RegExp(`refusing pid ${victim.pid} from pidfile ".*liar\\.pid": it is not a process of the service`));
    for (const verb of ['stop', 'restart', 'reload', 'stop']) d.cli(verb, 'liar');
    assert.ok(pidAlive(victim.pid!), 'hearthd signalled the victim');
  });

  test('MAINPID= naming a process outside the service is refused too', async () => {
    await eventually(() => d.cli('logs', 'hearthd', '-n', '200').stdout.includes(`refusing pid ${victim.pid} from MAINPID=`), 15_000, 'the refusal');
    for (const verb of ['reload', 'restart', 'stop']) d.cli(verb, 'notifier');
    assert.ok(pidAlive(victim.pid!), 'hearthd signalled the victim');
  });
});
