/**
 * Attack: environment_file is often owned by the application's own user, who
 * can replace it. A FIFO froze the whole of hearthd (no API, no restarts)
 * until someone wrote to it; /dev/zero grew hearthd to 5 GB and aborted it.
 * Now such a file fails that one start, with the reason, and nothing waits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from '../helpers/daemon.js';
import { eventually, tempDir } from '../helpers/index.js';

test('a FIFO, a device or a huge environment_file fails only that start, at once, with the reason', async () => {
  const dir = tempDir('hearth-envfile-');
  const fifo = join(dir.path, 'env.fifo');
  execFileSync('mkfifo', [fifo]);
  const huge = join(dir.path, 'huge.env');
  writeFileSync(huge, `A=${'x'.repeat(2 * 1024 * 1024)}\n`);
  const d = await startDaemon({
    'services/fifo.toml': `environment_file = "${fifo}"\nexec = ["/bin/sleep", "1000"]\n`,
    'services/zero.toml': 'environment_file = "/dev/zero"\nexec = ["/bin/sleep", "1000"]\n',
    'services/huge.toml': `environment_file = "${huge}"\nexec = ["/bin/sleep", "1000"]\n`,
    'services/fine.toml': 'exec = ["/bin/sleep", "1000"]\n',
  });
  try {
    const state = (name: string) => (JSON.parse(d.cli('status', name, '--json').stdout) as { state: string; detail?: string });
    await eventually(() => state('fine').state === 'running', 10_000, 'the other service to run');
    for (const [name, why] of [
      ['fifo', /is not a regular file/],
      ['zero', /is not a regular file/],
      ['huge', /is \d+ bytes, more than the 1048576 allowed/],
    ] as const) {
      await eventually(() => state(name).state === 'failed', 10_000, `${name} to fail`);
      assert.match(state(name).detail ?? '', why);
    }
    // hearthd still answers and still acts.
    assert.equal(d.cli('restart', 'fine').code, 0);
  } finally {
    await d.stop();
    dir.cleanup();
  }
});
