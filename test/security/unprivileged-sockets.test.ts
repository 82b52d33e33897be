/**
 * A service that runs as another user must reach its own sd_notify socket
 * (redis-server with "supervised systemd" as user redis crash-looped forever
 * when the socket sat in hearthd's 0700 runtime dir), and every local user
 * must reach the syslog socket as they reach /dev/log — while the control
 * socket stays private and no user can talk to another service's notify socket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/index.js';
import { nativeHelperPath } from '../../src/native/index.js';

const root = userInfo().uid === 0;
const notify = nativeHelperPath('hearth-notify');

test('services of other users reach their notify socket, every user reaches syslog, the control socket stays private', { skip: root ? false : 'needs root to run services as nobody' }, async () => {
  const tag = `uns${process.pid}`;
  const d = await startDaemon({
    'services/redislike.toml': `user = "nobody"\nready = "notify"\nstart_timeout = "10s"\nrunlevels = []\nexec = ["/bin/sh", "-c", "${notify} --ready --status=serving; exec sleep 1000"]\n`,
    'services/other.toml': `ready = "notify"\nrunlevels = []\nexec = ["/bin/sh", "-c", "${notify} --ready; exec sleep 1000"]\n`,
  });
  try {
    // A real host's /run is world-traversable; the test's temp root stands in for it.
    chmodSync(d.root, 0o755);
    assert.equal(d.cli('start', 'redislike').code, 0, 'the unprivileged notify service became ready');
    assert.equal((JSON.parse(d.cli('status', 'redislike', '--json').stdout) as { detail?: string }).detail, 'serving');
    assert.equal(d.cli('start', 'other').code, 0);

    const rt = statSync(d.runtimeDir);
    assert.equal(rt.mode & 0o777, 0o700, 'the runtime dir stays 0700');
    assert.equal(statSync(join(d.runtimeDir, 'hearth.sock')).mode & 0o777, 0o600, 'the control socket stays 0600');

    // nobody cannot send READY to a service that is not theirs: its directory is closed to them.
    const notifyRoot = `${d.runtimeDir}.public/notify`;
    const otherSock = join(notifyRoot, 'other', readdirSync(join(notifyRoot, 'other'))[0]!);
    const forged = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', notify!, 'STATUS=forged'], { env: { NOTIFY_SOCKET: otherSock }, encoding: 'utf8' });
    assert.notEqual(forged.status, 0, 'nobody reached another service\'s notify socket');

    // Any user may log, as with /dev/log.
    const logged = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'logger', '-u', `${d.runtimeDir}.public/syslog.sock`, '-t', tag, 'hello from nobody'], { encoding: 'utf8' });
    assert.equal(logged.status, 0, logged.stderr);
    await eventually(() => d.cli('logs', '-n', '200').stdout.includes('hello from nobody'), 10_000, 'the message from nobody');
  } finally {
    await d.stop();
  }
});
