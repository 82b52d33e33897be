import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { FIXTURES, freePort, eventually, exchange } from './helpers/index.js';

const activated = join(FIXTURES, 'xinetd', 'activated.mjs');

describe('socket activation of stand-alone services', () => {
  let d: RunningDaemon;
  let eager: number;
  let lazy: number;
  before(async () => {
    eager = await freePort();
    lazy = await freePort();
    d = await startDaemon({
      'services/eager.toml': `exec = ["${process.execPath}", "${activated}"]\nlisten = ["tcp://127.0.0.1:${eager}"]\nrestart = "always"\n`,
      'services/lazy.toml': `exec = ["${process.execPath}", "${activated}"]\nlisten = ["tcp://127.0.0.1:${lazy}"]\nactivation = "on-demand"\n`,
      'services/badlisten.toml': 'exec = ["/bin/true"]\nlisten = ["tcp://nowhere"]\n',
    });
    // The control socket answers before the boot has started anything.
    await eventually(() => status('eager').state === 'running', 10_000, 'eager running');
  });
  after(() => d?.stop());

  const status = (name: string) => JSON.parse(d.cli('status', name, '--json').stdout) as { state: string; pid: number | null; detail?: string };

  test('the service gets the socket at fd 3 with LISTEN_FDS and its own pid as LISTEN_PID', async () => {
    const reply = await exchange(eager);
    const pid = status('eager').pid;
    assert.match(reply, new RegExp(`fd=3 name=\\S+ pid=${pid} listen_pid=${pid}`));
  });

  test('the socket stays bound across a crash, so a client during the restart is still served', async () => {
    const pid = status('eager').pid!;
    process.kill(pid, 'SIGKILL');
    const reply = await exchange(eager);
    assert.match(reply, /fd=3/);
    await eventually(() => status('eager').pid !== pid, 5000, 'new pid');
  });

  test('on-demand: nothing runs until the first connection, which starts the service and is served', async () => {
    const before = status('lazy');
    assert.equal(before.pid, null);
    assert.match(before.detail ?? '', /starts on the first connection/);
    const reply = await exchange(lazy);
    assert.match(reply, /fd=3/);
    assert.equal(status('lazy').state, 'running');
  });

  test('a bad listen value is a config error naming the file and key', () => {
    const r = d.cli('check');
    assert.match(r.stdout + r.stderr, /services\/badlisten\.toml:2: listen "tcp:\/\/nowhere"/);
  });
});
