import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pipeSse, type SseSink } from './sse.js';

/**
 * A follower's socket: it takes bytes while `reading`, and otherwise holds
 * them unacknowledged (as a full socket buffer does), so the stream must wait
 * for 'drain'. It is never destroyed except by the stream's disconnect.
 */
function follower(reading: boolean) {
  const chunks: Buffer[] = [];
  const held: Array<() => void> = [];
  let ended = false;
  const out = new Writable({
    highWaterMark: 1,
    autoDestroy: false,
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      if (reading) done();
      else held.push(done);
    },
    final(done) {
      ended = true;
      done();
    },
  });
  return {
    out,
    text: () => Buffer.concat(chunks).toString('utf8'),
    ended: () => ended,
    /** Starts reading: what was held is taken, and so is everything after. */
    read() {
      reading = true;
      for (const done of held.splice(0)) done();
    },
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('pipeSse', () => {
  test('a reader that keeps up gets every message in order', async () => {
    let sink!: SseSink;
    const f = follower(true);
    pipeSse(f.out, { keepAliveMs: 60_000, maxQueuedBytes: 4096, start: (s) => ((sink = s), () => undefined) });
    for (let i = 0; i < 100; i++) {
      sink.send('n', i);
      await tick();
    }
    assert.match(f.text(), /: connected/);
    assert.equal(f.text().match(/event: n\n/g)?.length, 100);
    assert.deepEqual(f.text().match(/data: \d+/g)?.map((d) => Number(d.slice(6))), [...Array(100).keys()]);
    sink.close();
    await tick();
    assert.equal(f.ended(), true);
  });

  test('a reader that stops is told it fell behind and the stream ends; the subscription is released', async () => {
    let sink!: SseSink;
    let unsubscribed = false;
    const f = follower(false);
    pipeSse(f.out, { keepAliveMs: 60_000, maxQueuedBytes: 10_000, graceMs: 10, start: (s) => ((sink = s), () => (unsubscribed = true)) });
    await tick();
    for (let i = 0; i < 1000; i++) sink.send('n', 'y'.repeat(100));
    assert.equal(unsubscribed, true);
    f.read();
    await tick();
    const text = f.text();
    assert.ok(text.length < 1000, `the queue was dropped, ${text.length} bytes left`);
    assert.match(text, /event: error\ndata: \{"code":"ERR_FOLLOWER_BEHIND"/);
    assert.equal(f.ended(), true);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(f.out.destroyed, false, 'a follower that read the notice is not cut off');
  });

  test('a follower that never reads is disconnected after the grace period', async () => {
    let sink!: SseSink;
    const f = follower(false);
    pipeSse(f.out, { keepAliveMs: 60_000, maxQueuedBytes: 1000, graceMs: 10, start: (s) => ((sink = s), () => undefined) });
    await tick();
    const disconnected = new Promise<void>((resolve) => f.out.once('close', () => resolve()));
    for (let i = 0; i < 100; i++) sink.send('n', 'y'.repeat(100));
    // hearthd's sockets keep its loop alive; here a timer stands in for them.
    const alive = setInterval(() => undefined, 1000);
    await disconnected;
    clearInterval(alive);
    assert.equal(f.out.destroyed, true);
  });

  test('backlog messages do not count against the buffer', async () => {
    let sink!: SseSink;
    const f = follower(false);
    pipeSse(f.out, { keepAliveMs: 60_000, maxQueuedBytes: 1000, start: (s) => ((sink = s), () => undefined) });
    await tick();
    for (let i = 0; i < 100; i++) sink.sendBacklog('log', 'z'.repeat(100));
    sink.send('log', 'live');
    sink.close();
    f.read();
    await tick();
    const text = f.text();
    assert.doesNotMatch(text, /ERR_FOLLOWER_BEHIND/);
    assert.equal(text.match(/event: log\n/g)?.length, 101);
  });

  test('the subscription is released when the connection closes', async () => {
    let unsubscribed = false;
    const f = follower(true);
    pipeSse(f.out, { keepAliveMs: 60_000, start: () => () => (unsubscribed = true) });
    f.out.destroy();
    await tick();
    assert.equal(unsubscribed, true);
  });
});
