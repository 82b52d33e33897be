import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupPids, keyedValue } from './cgroup-boundary.js';
import { locateCgroups } from './cgroup-mounts.js';

describe('reading cgroup and proc files', () => {
  test('keyedValue takes the number of its own key only, on any line', () => {
    const stat = 'usage_usec 1234\nuser_usec 1000\nsystem_usec 234\n';
    assert.equal(keyedValue(stat, 'usage_usec'), 1234);
    assert.equal(keyedValue(stat, 'user_usec'), 1000);
    assert.equal(keyedValue(stat, 'system_usec'), 234);
    assert.equal(keyedValue(stat, 'usec'), undefined, 'a key is a whole word at the start of a line');
    assert.equal(keyedValue('nr_descendants 0\nnr_dying_descendants 3', 'nr_descendants'), 0);
    assert.equal(keyedValue('nr_descendants 0\nnr_dying_descendants 3', 'nr_dying_descendants'), 3, 'the last line may lack its newline');
    assert.equal(keyedValue('oom_kill x1\n', 'oom_kill'), undefined, 'not a number');
    assert.equal(keyedValue('', 'oom_kill'), undefined);
  });

  test('cgroupPids finds the processes of a cgroup and of the cgroups below it', async (t) => {
    const v2 = locateCgroups().v2;
    assert.ok(v2, 'a cgroup v2 hierarchy (the tests run where hearthd tracks with cgroups)');
    const unit = join(v2, `hearth-test-pids-${process.pid}`);
    const leaf = join(unit, 'run-1');
    mkdirSync(leaf, { recursive: true });
    const children: ChildProcess[] = [];
    t.after(async () => {
      for (const c of children) c.kill('SIGKILL');
      await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
      for (const d of [leaf, unit]) if (existsSync(d)) rmdirSync(d);
    });
    const inCgroup = async (dir: string) => {
      const c = spawn('/bin/sleep', ['60'], { stdio: 'ignore' });
      children.push(c);
      await new Promise((r) => c.once('spawn', r));
      writeFileSync(join(dir, 'cgroup.procs'), String(c.pid));
      return c.pid!;
    };
    assert.deepEqual(cgroupPids(unit), []);
    const top = await inCgroup(unit);
    assert.deepEqual(cgroupPids(unit), [top], 'no cgroup below: cgroup.stat says so, and the pid is found');
    const below = await inCgroup(leaf);
    assert.deepEqual(cgroupPids(unit).sort(), [top, below].sort(), 'a process in a cgroup below is found too');
    assert.deepEqual(cgroupPids(join(unit, 'gone')), []);
  });
});
