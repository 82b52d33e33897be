/**
 * hearth-spawner never waits on a busy hearthd. Its replies go out without
 * blocking and queue in the helper while hearthd is not reading, so it goes on
 * taking requests and reaping the processes it started: a helper blocked on a
 * full channel once stopped reaping, and a mass stop at 10,000 services waited
 * on its zombies. Here the test is hearthd: it speaks the helper's channel
 * protocol itself and stops reading it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { nativeHelperPath } from '../src/native/index.js';
import { eventually, tempDir } from './helpers/index.js';

const HELPER = nativeHelperPath('hearth-spawner');
const skip = HELPER ? false : 'native/build/hearth-spawner is not built (no C compiler?)';

/** Requests whose replies are long: each names a working directory that does not exist. */
const FAILING = 1500;
const MISSING_DIR = `/nonexistent${`/${'d'.repeat(99)}`.repeat(4)}`;

type Reply = { id?: number; pid?: number; error?: string; code?: number | null; signal?: number | null };

/** The helper on a channel the test speaks itself (fd 3, a socket pair as Node's IPC channel is), with the replies as they come. */
function helperOnChannel() {
  const helper = spawn(HELPER!, [], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    env: { NODE_CHANNEL_FD: '3', NODE_CHANNEL_SERIALIZATION_MODE: 'json' },
  });
  const channel = helper.stdio[3] as Socket;
  channel.on('error', () => undefined); // the helper is killed at the end, its side of the pair with it
  const replies: Reply[] = [];
  let rest = '';
  channel.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop()!;
    replies.push(...parts.map((l) => JSON.parse(l) as Reply));
  });
  return { helper, channel, replies };
}

/** The helper's children, zombies included (an unreaped child stays listed). */
function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
}

describe('hearth-spawner on a channel the test speaks itself', { skip }, () => {
  test('with a hearthd that does not read its replies, goes on taking requests and reaping, and every reply arrives whole once hearthd reads again', async () => {
    const dir = tempDir('hearth-spawner-bp-');
    const { helper, channel, replies } = helperOnChannel();
    channel.pause(); // hearthd busy: after Node's own buffer fills, nothing more is read
    try {
      const base = { argv: ['true'], env: [], stdio: [null, null, null] };
      let requests = '';
      for (let id = 1; id <= FAILING; id++) requests += `${JSON.stringify({ ...base, id, file: '/bin/true', cwd: MISSING_DIR })}\n`;
      const marker = join(dir.path, 'last-request-ran');
      requests += `${JSON.stringify({ ...base, id: FAILING + 1, file: '/bin/touch', argv: ['touch', marker] })}\n`;
      channel.write(requests);

      // The replies to the failing starts alone are more than the channel holds unread.
      const socketBuffer = Number(readFileSync('/proc/sys/net/core/wmem_default', 'utf8'));
      assert.ok(FAILING * MISSING_DIR.length > 2 * socketBuffer, `${socketBuffer} bytes of socket buffer`);
      await eventually(() => existsSync(marker), 30_000, 'the last request to be carried out while no reply was read');
      await eventually(() => childrenOf(helper.pid!).length === 0, 10_000, 'the helper to reap what it started');

      assert.equal(replies.length, 0, 'no reply was read meanwhile');
      channel.resume();
      await eventually(() => replies.some((r) => r.id === undefined && r.code === 0), 10_000, 'the last process\'s exit');
      const all = replies;
      const errors = all.filter((r) => r.error !== undefined);
      assert.equal(errors.length, FAILING);
      // Replies go out as outcomes come (starts in flight), so their order is not the requests'.
      assert.deepEqual(
        errors.map((r) => r.id).sort((a, b) => a! - b!),
        Array.from({ length: FAILING }, (_, i) => i + 1),
        'one reply per failing request',
      );
      assert.ok(errors.every((r) => r.error === `cannot enter the working directory ${MISSING_DIR}: No such file or directory`), errors[0]?.error);
      const started = all.find((r) => r.id === FAILING + 1);
      assert.ok(started?.pid && started.pid > 0, 'the last request was answered with its pid');
      assert.ok(all.some((r) => r.pid === started.pid && r.code === 0), 'and its exit followed');
    } finally {
      helper.kill();
      dir.cleanup();
    }
  });

  test('starts many processes at once and reports each exit after its start, never before', async () => {
    // Processes that end at once: their exits are collected while other starts are in flight, often
    // before their own start's outcome was read. hearthd ignores the exit of a pid it was not told of,
    // so an exit reported before its start would leave that service "running" for ever.
    const { helper, channel, replies } = helperOnChannel();
    try {
      const n = 300;
      let requests = '';
      for (let id = 1; id <= n; id++) requests += `${JSON.stringify({ id, file: '/bin/true', argv: ['true'], env: [], stdio: [null, null, null] })}\n`;
      channel.write(requests);
      await eventually(() => replies.filter((r) => r.id === undefined && r.pid !== undefined).length === n, 30_000, 'every exit');
      const startedAt = new Map<number, number>();
      replies.forEach((r, i) => {
        if (r.id !== undefined && r.pid !== undefined) startedAt.set(r.pid, i);
      });
      assert.equal(startedAt.size, n, 'every request was answered with a pid');
      assert.equal(replies.filter((r) => r.error !== undefined).length, 0);
      const exits = replies.map((r, i) => [r, i] as const).filter(([r]) => r.id === undefined);
      for (const [r, i] of exits) {
        assert.ok(startedAt.has(r.pid!), `the exit of ${r.pid} names a started pid`);
        assert.ok(startedAt.get(r.pid!)! < i, `the exit of ${r.pid} came after its start`);
        assert.equal(r.code, 0);
      }
      assert.equal(new Set(exits.map(([r]) => r.pid)).size, n, 'one exit per process');
    } finally {
      helper.kill();
    }
  });

  test('a line longer than 1 MiB is answered with an error, and the request after it is carried out', async () => {
    const { helper, channel, replies } = helperOnChannel();
    try {
      // Longer than the helper reads in one go and than its line limit: it drops the line up to its newline.
      channel.write(`${JSON.stringify({ id: 1, file: '/bin/true', argv: ['true', 'x'.repeat(3 * 2 ** 20)], env: [], stdio: [null, null, null] })}\n`);
      channel.write(`${JSON.stringify({ id: 2, file: '/bin/true', argv: ['true'], env: [], stdio: [null, null, null] })}\n`);
      await eventually(() => replies.some((r) => r.id === 2 && r.pid !== undefined), 10_000, 'the request after the long line');
      assert.deepEqual(replies.filter((r) => r.error !== undefined).map((r) => r.error), [`malformed message: longer than ${2 ** 20} bytes`]);
      assert.equal(replies.filter((r) => r.id === 1).length, 0, 'the long request is not carried out');
    } finally {
      helper.kill();
    }
  });
});
