import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { findKeyLines } from './key-lines.js';
import { FieldContext, describeValue, parseSignal, parseSize, readInt, readOctalMode, readSignal } from './toml-values.js';

function ctx(text = 'a = 1\n[t]\nb = 2\n') {
  return new FieldContext('services/x.toml', findKeyLines(text));
}

describe('toml-values', () => {
  test('parseSignal normalises names and numbers to NodeJS signal names', () => {
    assert.equal(parseSignal('TERM'), 'SIGTERM');
    assert.equal(parseSignal('SIGHUP'), 'SIGHUP');
    assert.equal(parseSignal('sigusr1'), 'SIGUSR1');
    assert.equal(parseSignal(9), 'SIGKILL');
    assert.equal(parseSignal('15'), 'SIGTERM');
    assert.equal(parseSignal('NOPE'), undefined);
    assert.equal(parseSignal(999), undefined);
  });

  test('readSignal suggests the closest signal for a typo', () => {
    const c = ctx();
    assert.equal(readSignal(c, ['a'], 'SIGTRM'), undefined);
    assert.match(c.errors[0]!.toString(), /did you mean "SIGTERM"\?/);
  });

  test('parseSize reads binary multiples and plain byte counts', () => {
    assert.equal(parseSize('10M'), 10 * 1024 * 1024);
    assert.equal(parseSize('512K'), 512 * 1024);
    assert.equal(parseSize('1.5G'), 1.5 * 1024 ** 3);
    assert.equal(parseSize('2MiB'), 2 * 1024 * 1024);
    assert.equal(parseSize('4096'), 4096);
    assert.equal(parseSize(100), 100);
    assert.equal(parseSize('ten'), undefined);
    assert.equal(parseSize(-1), undefined);
  });

  test('describeValue quotes strings and names structures', () => {
    assert.equal(describeValue('high'), '"high"');
    assert.equal(describeValue(3), '3');
    assert.equal(describeValue([1, 2]), '[1,2]');
    assert.equal(describeValue({ a: 1 }), 'a table');
  });

  test('errors name the file, the line and the dotted key', () => {
    const c = ctx();
    readInt(c, ['t', 'b'], 'x', 0, 5);
    const e = c.errors[0]!;
    assert.equal(e.file, 'services/x.toml');
    assert.equal(e.line, 3);
    assert.equal(e.key, 't.b');
    assert.equal(e.toString(), 'services/x.toml:3: "t.b" must be an integer between 0 and 5, got "x"');
  });

  test('readOctalMode accepts "022", "0o022" and TOML octal integers', () => {
    const c = ctx();
    assert.equal(readOctalMode(c, ['a'], '022', 0o777, '022'), 0o22);
    assert.equal(readOctalMode(c, ['a'], '0o027', 0o777, '022'), 0o27);
    assert.equal(readOctalMode(c, ['a'], 0o22, 0o777, '022'), 0o22);
    assert.equal(c.errors.length, 0);
    assert.equal(readOctalMode(c, ['a'], '089', 0o777, '022'), undefined);
    assert.equal(readOctalMode(c, ['a'], '1777', 0o777, '022'), undefined);
    assert.equal(c.errors.length, 2);
  });
});
