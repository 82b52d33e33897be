import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sseResponse, type SseSink } from './sse.js';

async function readAll(res: Response): Promise<string> {
  return new TextDecoder().decode(await res.arrayBuffer());
}

describe('sseResponse', () => {
  test('a reader that keeps up gets every message in order', async () => {
    let sink!: SseSink;
    const res = sseResponse({ keepAliveMs: 60_000, maxQueuedBytes: 4096, start: (s) => ((sink = s), () => undefined) });
    const reader = res.body!.getReader();
    const got: string[] = [];
    for (let i = 0; i < 100; i++) {
      sink.send('n', i);
      got.push(new TextDecoder().decode((await reader.read()).value));
    }
    assert.match(got.join(''), /: connected/);
    assert.equal(got.join('').match(/event: n\n/g)?.length, 100);
    sink.close();
    assert.equal((await reader.read()).done, true);
  });

  test('a reader that stops is told it fell behind and the stream ends; the subscription is released', async () => {
    let sink!: SseSink;
    let unsubscribed = false;
    const disconnected: string[] = [];
    const res = sseResponse({
      keepAliveMs: 60_000,
      maxQueuedBytes: 10_000,
      graceMs: 10,
      disconnect: () => disconnected.push('x'),
      start: (s) => ((sink = s), () => (unsubscribed = true)),
    });
    for (let i = 0; i < 1000; i++) sink.send('n', 'y'.repeat(100));
    assert.equal(unsubscribed, true);
    const text = await readAll(res);
    assert.ok(text.length < 1000, `the queue was dropped, ${text.length} bytes left`);
    assert.match(text, /event: error\ndata: \{"code":"ERR_FOLLOWER_BEHIND"/);
    assert.deepEqual(disconnected, [], 'a follower that read the notice is not cut off');
  });

  test('a follower that never reads is disconnected after the grace period', async () => {
    let sink!: SseSink;
    let cut!: () => void;
    const disconnected = new Promise<void>((resolve) => (cut = resolve));
    const res = sseResponse({ keepAliveMs: 60_000, maxQueuedBytes: 1000, graceMs: 10, disconnect: () => cut(), start: (s) => ((sink = s), () => undefined) });
    for (let i = 0; i < 100; i++) sink.send('n', 'y'.repeat(100));
    // hearthd's sockets keep its loop alive; here a timer stands in for them.
    const alive = setInterval(() => undefined, 1000);
    await disconnected;
    clearInterval(alive);
    await res.body!.cancel();
  });

  test('backlog messages do not count against the buffer', async () => {
    let sink!: SseSink;
    const res = sseResponse({ keepAliveMs: 60_000, maxQueuedBytes: 1000, start: (s) => ((sink = s), () => undefined) });
    for (let i = 0; i < 100; i++) sink.sendBacklog('log', 'z'.repeat(100));
    sink.send('log', 'live');
    sink.close();
    const text = await readAll(res);
    assert.doesNotMatch(text, /ERR_FOLLOWER_BEHIND/);
    assert.equal(text.match(/event: log\n/g)?.length, 101);
  });
});
