import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { parseProcStat, processGroupAlive, readProcStat, usageOfProcesses } from './proc.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await wait(10);
  assert.ok(check(), what);
}

describe('processGroupAlive', () => {
  test('a group with its leader alive, then with the leader gone and a member left, then empty', async () => {
    // The leader starts a member in its group, then ends when told (its stdin closes).
    const leader = spawn('/bin/sh', ['-c', 'sleep 300 & echo $!; read _'], { detached: true, stdio: ['pipe', 'pipe', 'ignore'] });
    const [line] = (await once(leader.stdout!, 'data')) as [Buffer];
    const member = Number(String(line).trim());
    const pgid = leader.pid!;
    try {
      assert.equal(processGroupAlive(pgid), true, 'the leader is alive');
      leader.stdin!.end();
      await once(leader, 'exit');
      // Reaped by Node: the group lives on in the member alone, found by the scan.
      assert.equal(processGroupAlive(pgid), true, 'the member still runs');
      process.kill(member, 'SIGKILL');
      await until(() => !processGroupAlive(pgid), 'the group to be empty once the member is gone');
    } finally {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
});

describe('parseProcStat', () => {
  const line = (comm: string) =>
    `4242 (${comm}) S 41 4240 4240 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 777 8400896 321 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n`;
  const expected = { pid: 4242, state: 'S', ppid: 41, pgrp: 4240, utimeTicks: 5, stimeTicks: 3, startTime: 777, rssPages: 321 };

  test('reads each field by its number in proc(5), counted from the last ")"', () => {
    assert.deepEqual(parseProcStat(4242, line('sleep')), expected);
    assert.deepEqual(parseProcStat(4242, line('a b) c) d')), expected, 'a command name with spaces and parentheses');
  });

  test('a cut line is no process', () => {
    assert.equal(parseProcStat(1, '4242 (cut'), undefined);
    assert.equal(parseProcStat(1, '4242 (x) S 1 2'), undefined);
    assert.equal(parseProcStat(1, line('x').slice(0, 60)), undefined);
  });

  test('our own process, read from /proc', () => {
    const own = readProcStat(process.pid)!;
    assert.equal(own.pid, process.pid);
    assert.equal(own.ppid, process.ppid);
    assert.ok(own.rssPages > 0 && own.startTime > 0);
    assert.deepEqual(parseProcStat(process.pid, readFileSync('/proc/self/stat', 'utf8'))?.ppid, process.ppid);
  });
});

describe('usageOfProcesses', () => {
  test('sums RSS and CPU time from /proc, each process once; one already gone counts nothing', async () => {
    const sleeper = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    await once(sleeper, 'spawn');
    // Asleep in sleep(1) itself, past the exec: from then on its figures hold still.
    await until(() => readProcStat(sleeper.pid!)?.state === 'S' && readFileSync(`/proc/${sleeper.pid}/comm`, 'utf8') === 'sleep\n', 'sleep to be asleep');
    const gone = spawn('/bin/true', { stdio: 'ignore' });
    await once(gone, 'exit');
    try {
      const stat = readProcStat(sleeper.pid!)!;
      const one = usageOfProcesses([sleeper.pid!]);
      assert.deepEqual(one, { memoryBytes: stat.rssPages * 4096, cpuSeconds: (stat.utimeTicks + stat.stimeTicks) / 100 });
      assert.ok(one.memoryBytes > 0);
      assert.deepEqual(usageOfProcesses([sleeper.pid!, sleeper.pid!, gone.pid!]), one);
      assert.deepEqual(usageOfProcesses([gone.pid!]), { memoryBytes: 0, cpuSeconds: 0 });
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});
