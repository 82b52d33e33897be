import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { EventStream } from './event-stream.js';
import { HearthError } from '../errors/index.js';

test('an error event from hearthd ends the iteration with that error, code and hint included', async () => {
  const res = new PassThrough();
  const stream = new EventStream<{ n: number }>({ destroy() {} } as unknown as ClientRequest, (d) => JSON.parse(d) as { n: number });
  stream.attach(res as unknown as IncomingMessage);
  res.write('event: record\ndata: {"n":1}\n\n');
  res.write('event: error\ndata: {"code":"ERR_FOLLOWER_BEHIND","message":"fell behind","hint":"reconnect"}\n\n');
  const got: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const r of stream) got.push(r.n);
    })(),
    (e: unknown) => e instanceof HearthError && e.code === 'ERR_FOLLOWER_BEHIND' && e.hint === 'reconnect',
  );
  assert.deepEqual(got, [1]);
});
