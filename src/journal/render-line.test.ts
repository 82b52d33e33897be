import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { renderLine, escapeText, renderJson } from './render-line.js';
import type { LogRecord } from './types.js';

const TS = new Date(2026, 10, 23, 10, 0, 1, 23).getTime();
const rec = (text: string, extra: Partial<LogRecord> = {}): LogRecord => ({ ts: TS, service: 'web', stream: 'out', text, ...extra });

describe('renderLine', () => {
  test('shows local time, then the text; the service only when asked', () => {
    assert.equal(renderLine(rec('hello')), '2026-11-23 10:00:01.023 hello');
    assert.equal(renderLine(rec('hello'), { showService: true }), '2026-11-23 10:00:01.023 web: hello');
    assert.equal(renderLine(rec('hello'), { time: false }), 'hello');
    assert.equal(renderLine(rec('x', { ts: Date.UTC(2026, 0, 2, 3, 4, 5, 6) }), { utc: true }), '2026-01-02 03:04:05.006Z x');
  });

  test('marks stderr lines', () => {
    assert.equal(renderLine(rec('bad', { stream: 'err' }), { showService: true, time: false }), 'web[err]: bad');
    assert.equal(renderLine(rec('bad', { stream: 'err' }), { time: false }), '[err]: bad');
  });

  test('escape sequences and control characters become visible, tabs stay', () => {
    const out = renderLine(rec('\x1b[2J\x1b]0;pwned\x07a\tb\0c\bd\x7f\x9be\r'), { time: false });
    assert.equal(out, '\\e[2J\\e]0;pwned\\aa\tb\\0c\\bd\\x7f\\x9be');
    assert.ok(!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(out), 'no control character reaches the terminal');
  });

  test('a trailing CR of CRLF output is dropped, a CR inside a line is shown', () => {
    assert.equal(renderLine(rec('progress 10%\rprogress 20%\r'), { time: false }), 'progress 10%\\rprogress 20%');
  });

  test('bidi overrides that could disguise a line are escaped', () => {
    assert.equal(escapeText('abc\u202edef'), 'abc\\u202edef');
  });

  test('bytes that are not UTF-8 are shown as \\xNN, valid characters around them as text', () => {
    const bytes = Buffer.from([0x61, 0xff, 0xc3, 0xa9, 0xc3, 0x28, 0x1b, 0xe2, 0x82]);
    const r = rec(bytes.toString('utf8'), { b64: bytes.toString('base64') });
    assert.equal(renderLine(r, { time: false }), 'a\\xffé\\xc3(\\e\\xe2\\x82');
  });

  test('raw passes the text through untouched', () => {
    assert.equal(renderLine(rec('\x1b[31mred\x1b[0m'), { time: false, raw: true }), '\x1b[31mred\x1b[0m');
  });

  test('keepColors lets color sequences through but nothing else', () => {
    assert.equal(renderLine(rec('\x1b[1;31mred\x1b[0m \x1b[2J'), { time: false, keepColors: true }), '\x1b[1;31mred\x1b[0m \\e[2J');
  });

  test('color paints the time, the service and urgent lines', () => {
    const out = renderLine(rec('boom', { priority: 3 }), { color: true, showService: true });
    assert.ok(out.startsWith('\x1b[2m2026-11-23 10:00:01.023\x1b[0m \x1b[36mweb:\x1b[0m '));
    assert.ok(out.endsWith('\x1b[31mboom\x1b[0m'));
    assert.ok(!renderLine(rec('plain'), { color: false }).includes('\x1b'));
  });

  test('renderJson is one line of JSON that keeps the exact bytes', () => {
    const r = rec('a\ufffd', { b64: Buffer.from([0x61, 0xff]).toString('base64'), partial: true });
    const line = renderJson(r);
    assert.ok(!line.includes('\n'));
    assert.deepEqual(JSON.parse(line), r);
  });
});
