import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { processGroupAlive } from './proc.js';

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
