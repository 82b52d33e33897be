import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, tempDir } from './helpers/index.js';

const LOGGER = ['/usr/bin/logger', '/bin/logger'].find((p) => existsSync(p));
const COUNT = 100;

/**
 * Issue 20 item 10: `logger` run by a service's script lives a few
 * milliseconds; by the time hearthd reads its message it is usually gone.
 * Every one of 100 such messages must still be filed under the service —
 * with cgroups (the cgroup read as the message arrives, or the ancestry from
 * the kernel's process events) and without (the ancestry and the processes
 * hearth started). Tags name no service, so nothing else could attribute them.
 */
for (const tracking of ['auto', 'process-group'] as const) {
  describe(`syslog from ${COUNT} short-lived loggers inside a service (process tracking "${tracking}")`, { skip: LOGGER ? false : 'util-linux logger is not installed' }, () => {
    let d: RunningDaemon;
    const sockDir = tempDir('hearth-attr-');
    const sock = join(sockDir.path, 'syslog.sock');

    before(async () => {
      // Each logger is the script's child, and the script waits for each: a
      // burst of senders that are gone, each soon after it sent.
      const script = `i=0; while [ $i -lt ${COUNT} ]; do i=$((i+1)); ${LOGGER} -u ${sock} -t not-a-service "short-lived message $i"; done; exec sleep 1000`;
      d = await startDaemon({
        'hearth.toml': `[syslog]\nsocket = "${sock}"\n[processes]\ntracking = "${tracking}"\n`,
        'services/chatty.toml': `exec = ["/bin/sh", "-c", ${JSON.stringify(script)}]\n`,
      });
    });
    after(async () => {
      await d?.stop();
      sockDir.cleanup();
    });

    test('every message is filed under the service, none under "syslog"', async () => {
      assert.equal(d.cli('start', 'chatty').code, 0);
      const count = (name: string): number =>
        d.cli('logs', name, '--grep', 'short-lived message', '-n', '1000', '--json').stdout.split('\n').filter(Boolean).length;
      await eventually(() => count('chatty') + count('syslog') >= COUNT, 30_000, `${COUNT} messages`);
      assert.equal(count('syslog'), 0, d.cli('logs', 'syslog', '-n', '5').stdout);
      assert.equal(count('chatty'), COUNT);
    });
  });
}

describe('syslog from the per-connection servers of an inetd-style service', { skip: LOGGER ? false : 'util-linux logger is not installed' }, () => {
  let d: RunningDaemon;
  let port = 0;
  const dir = tempDir('hearth-attr-inetd-');
  const sock = join(dir.path, 'syslog.sock');

  before(async () => {
    const { freePortBlock } = await import('./helpers/index.js');
    port = await freePortBlock(1);
    const { writeFileSync, chmodSync } = await import('node:fs');
    const server = join(dir.path, 'server.sh');
    // The server logs through a logger of its own and ends at once: both are gone when the message is read.
    writeFileSync(server, `#!/bin/sh\n${LOGGER} -u ${sock} -t not-a-service "from the server $$"\necho done\n`);
    chmodSync(server, 0o755);
    d = await startDaemon({
      'hearth.toml': `[syslog]\nsocket = "${sock}"\n`,
      'xinetd.d/talker': `service talker\n{\n\ttype = UNLISTED\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tport = ${port}\n\tuser = root\n\tserver = ${server}\n}\n`,
    });
  });
  after(async () => {
    await d?.stop();
    dir.cleanup();
  });

  test('each message is filed under the inetd service', async () => {
    const net = await import('node:net');
    // hearthd answers on its control socket before its runlevel has opened the service's
    // listener: a connection made before then is refused, and its message never written.
    await eventually(() => (JSON.parse(d.cli('status', 'talker', '--json').stdout) as { state?: string }).state === 'running', 10_000, 'talker to listen');
    for (let i = 0; i < 10; i++) {
      await new Promise<void>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port });
        s.on('data', () => undefined);
        s.on('close', () => resolve());
        s.on('error', () => resolve());
      });
    }
    const count = (name: string): number => d.cli('logs', name, '--grep', 'from the server', '--json').stdout.split('\n').filter(Boolean).length;
    await eventually(() => count('talker') + count('syslog') >= 10, 20_000, 'ten messages');
    assert.equal(count('syslog'), 0);
    assert.equal(count('talker'), 10);
  });
});
