/**
 * A systemd unit survives a kill -9 of hearthd as hearth's own services do:
 * the next hearthd adopts its running process (same pid, running), never
 * takes it for an orphan, and never starts a second copy. Its cgroup is its
 * own (NAME.systemd), apart from hearth's services, so each supervisor
 * recovers only what is its own.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startDaemon } from './helpers/daemon.js';
import { eventually, pidAlive } from './helpers/index.js';

interface Status {
  state: string;
  pid?: number | null;
}

describe('systemd units across a kill -9 of hearthd', () => {
  test('the next hearthd adopts the running unit: same pid, running, not orphaned, one copy', async () => {
    let d = await startDaemon({
      'systemd/kept.service': '[Service]\nExecStart=/bin/sleep 1000\n',
      'services/native.toml': 'exec = ["/bin/sleep", "1000"]\n',
    });
    try {
      const status = (name: string): Status => JSON.parse(d.cli('status', name, '--json').stdout || '{}') as Status;
      await eventually(() => d.cli('systemctl', 'start', 'kept.service').code === 0, 15_000, 'systemctl start kept.service');
      const first = await eventually(() => {
        const s = status('kept.service');
        return s.state === 'running' && s.pid ? s.pid : undefined;
      }, 15_000, 'kept.service running');
      const native = await eventually(() => status('native').pid ?? undefined, 15_000, 'native running');
      await d.crash();
      assert.ok(pidAlive(first), 'the unit outlives hearthd');
      d = await d.restart();
      await eventually(() => status('kept.service').state === 'running', 15_000, 'kept.service adopted');
      assert.equal(status('kept.service').pid, first, 'the same process, adopted');
      assert.equal(status('native').pid, native, 'the native service adopted as before');
      assert.doesNotMatch(d.cli('list').stdout, /orphaned/);
      // Exactly one sleep of the unit runs: its cgroup holds only the adopted process.
      const cgroup = readFileSync(`/proc/${first}/cgroup`, 'utf8');
      assert.match(cgroup, /kept\.service\.systemd/);
    } finally {
      await d.stop();
    }
  });
});
