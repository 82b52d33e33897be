import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { compareFileNames, compareNames } from './name-order.js';

// The oracle is ICU itself: the root collation as Node's Intl gives it.
const icu = new Intl.Collator('und');
const sign = (n: number) => Math.sign(n);
const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));

test('every pair of printable ASCII characters compares as in the root collation', () => {
  for (const a of PRINTABLE) for (const b of PRINTABLE) assert.equal(sign(compareNames(a, b)), sign(icu.compare(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
});

test('names that differ in case, length or punctuation compare as in the root collation', () => {
  // A seeded generator, so a failure names the same pair on every run.
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const alphabet = 'aAbBsStTzZ09-_.@:\\';
  const name = () => Array.from({ length: 1 + Math.floor(next() * 6) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
  const tricky = ['a', 'A', 'aa', 'aA', 'Aa', 'AA', 'ab', 'aB', 'Ab', 'a-b', 'ab-', 'a_b', 'a.b', 's10', 's9', 's1', 'S1', 'web@1', 'web@10', 'web:1', 'x.service', 'x'];
  const names = [...tricky, ...Array.from({ length: 400 }, name)];
  for (const a of names) for (const b of names) assert.equal(sign(compareNames(a, b)), sign(icu.compare(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  assert.deepEqual([...names].sort(compareNames), [...names].sort(icu.compare));
});

test('names outside printable ASCII are left to the root collator', () => {
  for (const [a, b] of [['é', 'f'], ['e', 'é'], ['ä', 'z'], ['a\tb', 'ab'], ['日本', 'abc']]) assert.equal(sign(compareNames(a!, b!)), sign(icu.compare(a!, b!)), `${a} vs ${b}`);
});

test('the order does not follow the locale hearthd was started in, and ASCII names make no ICU collator', () => {
  // Estonian collation puts "z" right after "s"; hearth's order is the same everywhere.
  const script = `
    Intl.Collator = function () { throw new Error('an ICU collator was made'); };
    const { compareNames } = await import(${JSON.stringify(new URL('./name-order.ts', import.meta.url).href)});
    console.log(['z', 't', 's', 'S', 'a-b', 'ab'].sort(compareNames).join(' '));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, LANG: 'et_EE.UTF-8', LC_ALL: 'et_EE.UTF-8' } });
  assert.equal(out.trim(), 'a-b ab s S t z');
});

test('file names order as the names they give once the suffix is cut', () => {
  const names = ['a', 'a-b', 'a.b', 'A', 'ab', 's10', 's9', 'web@1', 'x', 'é'];
  const files = names.map((n) => `${n}.toml`);
  assert.deepEqual([...files].sort((a, b) => compareFileNames(a, b, '.toml')), [...names].sort(compareNames).map((n) => `${n}.toml`));
  assert.notDeepEqual([...files].sort(compareNames), [...files].sort((a, b) => compareFileNames(a, b, '.toml')), 'sorting whole file names would differ');
});
