import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvFile, parseEnvFileDetailed } from './env-file.js';

describe('parseEnvFile', () => {
  test('reads KEY=VALUE lines, skipping blanks and # or ; comments', () => {
    const vars = parseEnvFile('# settings\n\nA=1\n; old style\nB = two words \n');
    assert.deepEqual(vars, { A: '1', B: 'two words' });
  });

  test('accepts an export prefix, as shell-sourced env files use', () => {
    assert.deepEqual(parseEnvFile('export PATH_X=/opt/bin\n'), { PATH_X: '/opt/bin' });
  });

  test('strips an inline comment from unquoted values only', () => {
    const vars = parseEnvFile('A=x # note\nB=a#b\nC="x # kept"\nD=\'y # kept\'\n');
    assert.deepEqual(vars, { A: 'x', B: 'a#b', C: 'x # kept', D: 'y # kept' });
  });

  test('takes single-quoted values literally', () => {
    assert.deepEqual(parseEnvFile(String.raw`A='a\nb $HOME'`), { A: String.raw`a\nb $HOME` });
  });

  test('decodes escapes in double-quoted values and keeps their spaces', () => {
    assert.deepEqual(parseEnvFile(String.raw`A="  tab\there\nnext \"q\" \\ \$X  "`), { A: '  tab\there\nnext "q" \\ $X  ' });
  });

  test('lets a double-quoted value span lines', () => {
    const r = parseEnvFileDetailed('KEY="-----BEGIN\nabc\n-----END"\nNEXT=1\n');
    assert.deepEqual(r.vars, { KEY: '-----BEGIN\nabc\n-----END', NEXT: '1' });
    assert.deepEqual(r.problems, []);
  });

  test('allows empty values and "=" inside values', () => {
    assert.deepEqual(parseEnvFile('EMPTY=\nURL=a=b=c\n'), { EMPTY: '', URL: 'a=b=c' });
  });

  test('handles CRLF line ends and a byte-order mark', () => {
    assert.deepEqual(parseEnvFile('\uFEFFA=1\r\nB=2\r\n'), { A: '1', B: '2' });
  });

  test('a later assignment wins', () => {
    assert.deepEqual(parseEnvFile('A=1\nA=2\n'), { A: '2' });
  });

  test('skips malformed lines and reports each with its line number', () => {
    const r = parseEnvFileDetailed('GOOD=1\njust words\n1BAD=x\nBAD-NAME=y\nQ=\'open\nALSO_GOOD=2\n');
    assert.deepEqual(r.vars, { GOOD: '1', ALSO_GOOD: '2' });
    assert.deepEqual(
      r.problems.map((p) => p.line),
      [2, 3, 4, 5],
    );
    assert.match(r.problems[0]!.message, /expected KEY=VALUE/);
    assert.match(r.problems[1]!.message, /invalid variable name "1BAD"/);
    assert.match(r.problems[3]!.message, /unterminated single quote/);
  });

  test('an unterminated double quote is reported at its opening line', () => {
    const r = parseEnvFileDetailed('A=1\nB="never closed\nC=3\n');
    assert.deepEqual(r.vars, { A: '1' });
    assert.equal(r.problems[0]!.line, 2);
    assert.match(r.problems[0]!.message, /unterminated double quote in the value of "B"/);
  });
});
