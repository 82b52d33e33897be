import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, utf8Cut } from './line-splitter.js';

const texts = (segs: { payload: Buffer; partial: boolean }[]) => segs.map((s) => `${s.payload.toString()}${s.partial ? '…' : ''}`);

describe('LineSplitter', () => {
  test('lines split across chunk boundaries come out whole', () => {
    const s = new LineSplitter();
    assert.deepEqual(texts(s.push(Buffer.from('hel'))), []);
    assert.deepEqual(texts(s.push(Buffer.from('lo\nwor'))), ['hello']);
    assert.deepEqual(texts(s.push(Buffer.from('ld\n\nlast'))), ['world', '']);
    assert.equal(s.buffered, 4);
    assert.deepEqual(texts([s.flush()!]), ['last…']);
    assert.equal(s.flush(), undefined);
  });

  test('every possible chunking of a stream gives the same lines', () => {
    const data = Buffer.from('alpha\nbeta gamma\n\ndelta\nomega');
    for (let cut1 = 0; cut1 <= data.length; cut1++) {
      for (let cut2 = cut1; cut2 <= data.length; cut2++) {
        const s = new LineSplitter();
        const out = [...s.push(data.subarray(0, cut1)), ...s.push(data.subarray(cut1, cut2)), ...s.push(data.subarray(cut2))];
        const tail = s.flush();
        assert.deepEqual([...texts(out), ...(tail ? texts([tail]) : [])], ['alpha', 'beta gamma', '', 'delta', 'omega…']);
      }
    }
  });

  test('a line longer than the limit becomes partial pieces then a final piece', () => {
    const s = new LineSplitter(8);
    const out = s.push(Buffer.from('0123456789abcdefXYZ\nok\n'));
    assert.deepEqual(texts(out), ['01234567…', '89abcdef…', 'XYZ', 'ok']);
  });

  test('a long line arriving byte by byte is cut as it grows and memory stays bounded', () => {
    const s = new LineSplitter(8);
    const out = [];
    for (const ch of '0123456789abcdefghij') out.push(...s.push(Buffer.from(ch)));
    assert.ok(s.buffered <= 8);
    out.push(...s.push(Buffer.from('\n')));
    assert.deepEqual(texts(out), ['01234567…', '89abcdef…', 'ghij']);
  });

  test('a line of exactly the limit is one record, not a piece plus an empty line', () => {
    const s = new LineSplitter(8);
    assert.deepEqual(texts([...s.push(Buffer.from('01234567')), ...s.push(Buffer.from('\n'))]), ['01234567']);
  });

  test('long lines are not cut inside a UTF-8 character', () => {
    const s = new LineSplitter(8);
    const line = 'aaaaaaé€😀bbbbbbbbbbb';
    const out = s.push(Buffer.from(line + '\n'));
    for (const seg of out) assert.equal(Buffer.from(seg.payload.toString()).equals(seg.payload), true, 'each piece is valid UTF-8');
    assert.equal(out.map((x) => x.payload.toString()).join(''), line);
  });

  test('utf8Cut moves back to a character start only when needed', () => {
    const b = Buffer.from('ab€cd'); // € is 3 bytes at 2..4
    assert.equal(utf8Cut(b, 0, 2), 2);
    assert.equal(utf8Cut(b, 0, 3), 2);
    assert.equal(utf8Cut(b, 0, 4), 2);
    assert.equal(utf8Cut(b, 0, 5), 5);
    const bin = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80]);
    assert.equal(utf8Cut(bin, 0, 3), 3, 'binary is cut where asked');
  });
});
