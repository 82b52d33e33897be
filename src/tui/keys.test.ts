import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKeys } from './keys.js';

test('decodeKeys reads the keys ntsysv uses, in both xterm and vt spellings', () => {
  assert.deepEqual(decodeKeys('\x1b[A\x1bOB\x1b[5~\x1b[6~'), ['up', 'down', 'pgup', 'pgdn']);
  assert.deepEqual(decodeKeys('\x1bOP\x1b[11~\x1b[24~'), ['f1', 'f1', 'f12']);
  assert.deepEqual(decodeKeys('\t\x1b[Z \r'), ['tab', 'backtab', 'space', 'enter']);
  assert.deepEqual(decodeKeys('\x1b'), ['esc']);
  assert.deepEqual(decodeKeys('/ab\x7f'), [{ char: '/' }, { char: 'a' }, { char: 'b' }, 'backspace']);
});

test('decodeKeys skips unknown escape sequences instead of typing them', () => {
  assert.deepEqual(decodeKeys('\x1b[200~x'), [{ char: 'x' }]);
});
