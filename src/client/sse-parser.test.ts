import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser } from './sse-parser.js';

test('SseParser joins frames split across chunks, CRLF included, and drops comments', () => {
  const p = new SseParser();
  assert.deepEqual(p.push(': connected\n\nevent: ev'), []);
  assert.deepEqual(p.push('ent\r\ndata: {"a":1}\r'), []);
  assert.deepEqual(p.push('\n\r\n: keep-alive\n\ndata: x\ndata: y\nid: 7\n\n'), [
    { event: 'event', data: '{"a":1}' },
    { event: 'message', data: 'x\ny', id: '7' },
  ]);
});
