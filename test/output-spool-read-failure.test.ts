/**
 * A spool file hearthd cannot open (here a symlink where the file was, which
 * O_NOFOLLOW refuses; on a big fleet, EMFILE) is said once and read again
 * later: hearthd keeps running and the output arrives once the file can be
 * read. Before, the error escaped the read round and ended hearthd.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from './helpers/daemon.js';
import { eventually, tempDir } from './helpers/index.js';

test('a spool file that cannot be read is said once and read again later; hearthd carries on', async () => {
  const gate = tempDir('hearth-spool-gate-');
  const flag = join(gate.path, 'flag');
  const d = await startDaemon({
    'services/talker.toml': `exec = ["/bin/sh", "-c", "echo first; while [ ! -e \\"$0\\" ]; do sleep 0.05; done; echo second; exec sleep 1000", "${flag}"]\nrestart = "never"\n`,
  });
  try {
    const logs = () => d.cli('logs', 'talker', '-n', '10').stdout;
    await eventually(() => logs().includes('first'), 10_000, 'the first line');
    const spool = (readdirSync(d.root, { recursive: true }) as string[]).filter((f) => /(^|\/)talker\.out\.\d+$/.test(f));
    assert.ok(spool.length > 0, 'a spool file for the service');
    const file = join(d.root, spool.sort().at(-1)!);
    renameSync(file, `${file}.moved`);
    symlinkSync(`${file}.moved`, file);
    writeFileSync(flag, '');
    await eventually(() => /output of "talker": cannot read its spool/.test(d.output()), 10_000, 'the notice');
    assert.equal(d.child.exitCode, null, 'hearthd still runs');
    unlinkSync(file);
    renameSync(`${file}.moved`, file);
    await eventually(() => logs().includes('second'), 10_000, 'the second line, once the file can be read');
    assert.equal(d.output().match(/cannot read its spool/g)?.length, 1, 'said once');
  } finally {
    await d.stop();
    gate.cleanup();
  }
});
