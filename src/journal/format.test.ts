import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRecord, parseLine, toLogRecord, recordBytes } from './format.js';

function roundTrip(payload: Buffer, extra: { partial?: boolean; priority?: number } = {}) {
  const line = encodeRecord({ ts: 1763892000123, stream: 'err', payload, ...extra });
  assert.equal(line[line.length - 1], 0x0a, 'a record ends with LF');
  assert.equal(line.indexOf(0x0a), line.length - 1, 'a record holds no other LF');
  const parsed = parseLine(line, 0, line.length - 1);
  assert.ok(parsed);
  return { line, parsed };
}

describe('record format', () => {
  test('a record starts with its timestamp and keeps a plain payload verbatim', () => {
    const { line, parsed } = roundTrip(Buffer.from('hello world'));
    assert.equal(line.toString(), '1763892000123 e hello world\n');
    assert.equal(parsed.ts, 1763892000123);
    assert.equal(parsed.stream, 'err');
    assert.equal(parsed.payload.toString(), 'hello world');
  });

  test('binary bytes, NUL, CR, ESC and invalid UTF-8 are stored as they are', () => {
    const bytes = Buffer.from([0, 1, 2, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xff, 0xfe, 0x0d, 0x5c, 0x80, 0x20]);
    const { line, parsed } = roundTrip(bytes);
    assert.ok(line.includes(bytes), 'payload bytes appear verbatim in the file');
    assert.deepEqual(parsed.payload, bytes);
  });

  test('a payload with newlines is escaped and comes back exact', () => {
    const bytes = Buffer.from('one\ntwo\\n\\\nthree\n');
    const { line, parsed } = roundTrip(bytes);
    assert.match(line.toString(), /^1763892000123 ex /);
    assert.deepEqual(parsed.payload, bytes);
  });

  test('partial flag and priority survive, unknown flags are ignored', () => {
    const { parsed } = roundTrip(Buffer.from('x'), { partial: true, priority: 3 });
    assert.equal(parsed.partial, true);
    assert.equal(parsed.priority, 3);
    const future = Buffer.from('5 oZq? text');
    const p = parseLine(future, 0, future.length);
    assert.equal(p?.stream, 'out');
    assert.equal(p?.payload.toString(), 'text');
  });

  test('malformed lines parse as undefined', () => {
    for (const bad of ['', 'abc o x', '123', '123 o', '123 z text', ' o x']) {
      const b = Buffer.from(bad);
      assert.equal(parseLine(b, 0, b.length), undefined, JSON.stringify(bad));
    }
  });

  test('toLogRecord adds b64 only when the bytes are not UTF-8', () => {
    const ok = toLogRecord('web', { ts: 1, stream: 'out', payload: Buffer.from('héllo') });
    assert.equal(ok.text, 'héllo');
    assert.equal(ok.b64, undefined);
    const bin = Buffer.from([0x61, 0xff, 0x62]);
    const r = toLogRecord('web', { ts: 1, stream: 'out', payload: bin });
    assert.equal(r.text, 'a\ufffdb');
    assert.deepEqual(recordBytes(r), bin);
  });

  test('a gap record is flagged "g" and reads back as gap: true', () => {
    const line = encodeRecord({ ts: 5, stream: 'hearth', payload: Buffer.from('journal: 3 records (300 bytes) dropped'), priority: 4, gap: true });
    assert.match(line.toString(), /^5 hg4 journal: /);
    const parsed = parseLine(line, 0, line.length - 1)!;
    assert.equal(toLogRecord('web', parsed).gap, true);
    assert.equal(toLogRecord('web', { ts: 1, stream: 'out', payload: Buffer.from('x') }).gap, undefined);
  });
});

describe('syslog header fields in a record', () => {
  const fields = {
    facility: 16,
    hostname: 'db1',
    appName: 'pg',
    procId: '812',
    msgId: 'CKPT',
    structuredData: [{ id: 'origin@1', params: [['ip', '10.0.0.1'], ['note', 'a "quoted" ] value\n']] as [string, string][] }],
  };

  test('are kept beside the text, which stays exact (NUL and newline included), and an old reader sees the text after a NUL', () => {
    const payload = Buffer.from('pg[812]: a\0b\nc');
    const line = encodeRecord({ ts: 5, stream: 'syslog', payload, priority: 3, syslog: fields });
    assert.equal(line.indexOf(0x0a), line.length - 1);
    assert.match(line.toString('latin1'), /^5 sm?x?m?x?3 /);
    const parsed = parseLine(line, 0, line.length - 1)!;
    assert.deepEqual(parsed.payload, payload);
    assert.deepEqual(parsed.syslog, fields);
    assert.equal(parsed.priority, 3);
    const r = toLogRecord('db', parsed);
    assert.deepEqual(r.syslog, fields);
    assert.equal(r.text, 'pg[812]: a\0b\nc');
  });

  test('only the facility is required; a damaged header costs the fields, never the record', () => {
    const minimal = encodeRecord({ ts: 6, stream: 'syslog', payload: Buffer.from('x'), syslog: { facility: 0 } });
    assert.deepEqual(parseLine(minimal, 0, minimal.length - 1)!.syslog, { facility: 0 });
    const damaged = Buffer.from('7 sm {"f":99}\0text');
    const parsed = parseLine(damaged, 0, damaged.length)!;
    assert.equal(parsed.syslog, undefined);
    assert.equal(parsed.payload.toString(), 'text');
    const notJson = Buffer.from('8 sm garbage\0text2');
    assert.equal(parseLine(notJson, 0, notJson.length)!.payload.toString(), 'text2');
  });
});
