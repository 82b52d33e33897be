/**
 * A process hearthd started is never forgotten, and a damaged state file is
 * never silently reset: after a kill -9 of hearthd, a service whose file is
 * now broken or gone is kept as "orphaned" (shown, stoppable, adopted when its
 * file returns, never started twice), and a state file that does not parse is
 * set aside as FILE.corrupt-TIMESTAMP, said in hearthd's log, and what can be
 * recovered from it is.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { eventually, pidAlive, serviceProcesses } from '../helpers/index.js';

interface Row {
  name: string;
  state: string;
  pid: number | null;
}

const rows = (d: RunningDaemon): Row[] => JSON.parse(d.cli('list', '--json').stdout) as Row[];
const row = (d: RunningDaemon, name: string) => rows(d).find((r) => r.name === name);

describe('processes without a definition', () => {
  test('a broken file after a crash: orphaned, never doubled, adopted with the same pid when fixed', async () => {
    const file = 'services/keeper.toml';
    let d = await startDaemon({ [file]: 'exec = ["/bin/sleep", "1000"]\n' });
    try {
      await eventually(() => row(d, 'keeper')?.state === 'running', 10_000, 'keeper running');
      const pid = row(d, 'keeper')!.pid!;
      await d.crash();
      writeFileSync(join(d.configDir, file), 'exec = ["/bin/sleep", "1000"\n'); // a syntax error
      d = await d.restart();
      const orphan = row(d, 'keeper');
      assert.equal(orphan?.state, 'orphaned');
      assert.equal(orphan?.pid, pid);
      assert.equal(serviceProcesses('keeper', d.runtimeDir).length, 1);
      assert.equal(d.cli('restart', 'keeper').code, 1, 'it cannot be restarted without a definition');
      writeFileSync(join(d.configDir, file), 'exec = ["/bin/sleep", "1000"]\n');
      d.cli('reload-config');
      await eventually(() => row(d, 'keeper')?.state === 'running', 10_000, 'adopted');
      assert.equal(row(d, 'keeper')!.pid, pid, 'adopted, not started again');
      assert.equal(serviceProcesses('keeper', d.runtimeDir).length, 1);
    } finally {
      await d.stop();
    }
  });

  test('a deleted file after a crash: orphaned, and "hearth stop" ends it', async () => {
    const file = 'services/leftover.toml';
    let d = await startDaemon({ [file]: 'exec = ["/bin/sh", "-c", "setsid sleep 1000 & exec sleep 1000"]\n' });
    try {
      await eventually(() => row(d, 'leftover')?.state === 'running', 10_000, 'running');
      const pid = row(d, 'leftover')!.pid!;
      await d.crash();
      rmSync(join(d.configDir, file));
      d = await d.restart();
      assert.equal(row(d, 'leftover')?.state, 'orphaned');
      assert.equal(d.cli('stop', 'leftover').code, 0);
      await eventually(() => row(d, 'leftover') === undefined, 10_000, 'gone from the list');
      assert.equal(pidAlive(pid), false);
    } finally {
      await d.stop();
    }
  });
});

describe('damaged state files', () => {
  test('a torn at queue is set aside, reported, and its whole jobs are kept', async () => {
    let d = await startDaemon({ 'services/idle.toml': 'exec = ["/bin/sleep", "1000"]\n' });
    try {
      for (const n of [1, 2, 3]) assert.equal(d.cli('at', 'now', '+', '5', 'hours', '--', `echo job${n}`).code, 0);
      await d.halt();
      const queue = join(d.root, 'state', 'at.json');
      const text = readFileSync(queue, 'utf8');
      // Cut the file in the middle of the third job, as a torn write would.
      writeFileSync(queue, text.slice(0, text.lastIndexOf('"command"')));
      d = await d.restart();
      const atq = d.cli('atq').stdout;
      assert.match(atq, /echo job1/);
      assert.match(atq, /echo job2/);
      const kept = readdirSync(join(d.root, 'state')).filter((f) => f.startsWith('at.json.corrupt-'));
      assert.equal(kept.length, 1, 'the damaged file is kept aside');
      await eventually(() => /state file ".*at\.json" is not valid JSON .*: kept as ".*at\.json\.corrupt-.*"; 2 job\(s\) recovered from it/.test(d.cli('logs', 'hearthd', '-n', '200').stdout), 10_000, 'the log line');
      assert.ok(existsSync(queue) || atq.length > 0);
    } finally {
      await d.stop();
    }
  });

  test('damaged enablement no longer stops hearthd from starting: defaults, and the file kept aside', async () => {
    let d = await startDaemon({ 'services/web.toml': 'exec = ["/bin/sleep", "1000"]\n' });
    try {
      await d.halt();
      writeFileSync(join(d.root, 'state', 'enablement.json'), '{"version":1,"services":{"web":{"on":[2,3');
      d = await d.restart();
      await eventually(() => row(d, 'web')?.state === 'running', 10_000, 'web running on its defaults');
      // After a clean stop the next hearthd enters the default level, not the 0 it stopped in.
      assert.match(d.cli('runlevel').stdout, / 3\n$/);
      assert.equal(readdirSync(join(d.root, 'state')).filter((f) => f.startsWith('enablement.json.corrupt-')).length, 1);
    } finally {
      await d.stop();
    }
  });
});
