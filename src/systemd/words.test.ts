import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractFirstWord, extractWordLenient, splitWords, unescapeOne } from './words.js';

test('words split on whitespace, runs of separators collapse, and the position lands on the next word', () => {
  const r = extractFirstWord('foobar waldo', 0);
  assert.deepEqual(r, { ok: true, word: 'foobar', next: 7 });
  assert.deepEqual(extractFirstWord('foobar waldo', 7), { ok: true, word: 'waldo', next: null });
  assert.deepEqual(extractFirstWord('x', null), { ok: true, word: null, next: null });
  assert.deepEqual(splitWords('   foobar   '), ['foobar']);
  assert.deepEqual(splitWords(''), []);
});

test('quotes are plain characters unless asked for, and unquote joins adjacent pieces', () => {
  assert.deepEqual(splitWords(`"foobar" 'waldo'`), ['"foobar"', "'waldo'"]);
  assert.deepEqual(splitWords(`"foobar" 'waldo'`, { unquote: true }), ['foobar', 'waldo']);
  assert.deepEqual(splitWords(`yay'foo'bar`, { unquote: true }), ['yayfoobar']);
  assert.deepEqual(splitWords(`a"b c"d`, { unquote: true }), ['ab cd']);
  assert.deepEqual(splitWords(`a"b c"d`, { keepQuote: true }), ['a"b c"d']);
  assert.deepEqual(splitWords(`""`, { unquote: true }), ['']);
});

test('unbalanced quotes fail unless relaxed', () => {
  assert.equal(splitWords(`"fooo`, { unquote: true }), null);
  assert.deepEqual(extractFirstWord(`'fooo`, 0, undefined, { unquote: true }), { ok: false, at: 5 });
  assert.deepEqual(splitWords(`'fooo`, { unquote: true, relax: true }), ['fooo']);
  assert.deepEqual(splitWords(`'fooo`), [`'fooo`]);
});

test('backslashes: dropped before any character by default, kept with retainEscape, decoded with cunescape', () => {
  assert.deepEqual(splitWords(' foo\\ba\\x6ar '), ['foobax6ar']);
  assert.deepEqual(splitWords(' foo\\ba\\x6ar ', { cunescape: true }), ['foo\bajr']);
  assert.deepEqual(splitWords('a\\ b', { retainEscape: true }), ['a\\', 'b']);
  assert.deepEqual(splitWords('a\\ b'), ['a b']);
  assert.deepEqual(splitWords(`KEY3="val with \\"q\\""`, { unquote: true }), ['KEY3=val with "q"']);
});

test('cunescape decodes unicode escapes, raw bytes combine into UTF-8, NUL is refused', () => {
  assert.deepEqual(splitWords('f\\u00f6o "pi\\U0001F4A9le"', { cunescape: true, unquote: true }), ['föo', 'pi💩le']);
  assert.deepEqual(splitWords('\\xc3\\xa9t\\303\\251', { cunescape: true }), ['été']);
  assert.equal(splitWords('a\\x00', { cunescape: true }), null);
  assert.equal(splitWords('a\\000', { cunescape: true }), null);
  assert.equal(splitWords('a\\q', { cunescape: true }), null);
  assert.deepEqual(splitWords('a\\s\\tb', { cunescape: true }), ['a \tb']);
  assert.equal(unescapeOne('400', 0), null, 'octal above 255');
  assert.equal(unescapeOne('U00110000', 0), null, 'beyond unicode');
});

test('a trailing backslash fails, is swallowed with relax, or kept with unescapeRelax', () => {
  assert.equal(splitWords('fooo\\'), null);
  assert.deepEqual(splitWords('fooo\\', { relax: true }), ['fooo']);
  assert.deepEqual(splitWords('fooo\\', { unescapeRelax: true }), ['fooo\\']);
  assert.deepEqual(splitWords('fooo\\', { unescapeRelax: true, relax: true }), ['fooo\\']);
});

test('unescapeSeparators turns "\\:" into ":" and keeps other escapes with unescapeRelax', () => {
  assert.deepEqual(splitWords('a\\:b:c', { unescapeSeparators: true }, ':'), ['a:b', 'c']);
  assert.deepEqual(splitWords('a\\nb', { unescapeSeparators: true, unescapeRelax: true }, ':'), ['a\\nb']);
});

test('without coalescing, adjacent separators delimit empty words (as LimitNOFILE=soft:hard needs)', () => {
  const flags = { dontCoalesceSeparators: true };
  assert.deepEqual(extractFirstWord('10:20', 0, ':', flags), { ok: true, word: '10', next: 3 });
  assert.deepEqual(extractFirstWord('10:20', 3, ':', flags), { ok: true, word: '20', next: null });
  assert.deepEqual(extractFirstWord('10:', 0, ':', flags), { ok: true, word: '10', next: 3 });
  assert.deepEqual(extractFirstWord('10:', 3, ':', flags), { ok: true, word: '', next: null });
  assert.deepEqual(extractFirstWord('', 0, ':', flags), { ok: true, word: '', next: null });
});

test('the lenient extraction keeps unknown escapes and reports them, and reports unbalanced quotes', () => {
  const flags = { unquote: true, cunescape: true };
  assert.deepEqual(extractWordLenient('a\\qb c', 0, flags), { kind: 'word', word: 'a\\qb', next: 5, badEscape: true });
  assert.deepEqual(extractWordLenient('"a b', 0, flags), { kind: 'unbalanced' });
  assert.deepEqual(extractWordLenient('   ', 0, flags), { kind: 'end' });
});
