import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUnitFileText, splitLines } from './unit-file-syntax.js';

const SERVICE = ['Unit', 'Service', 'Install'];

function kv(text: string, sections: readonly string[] | null = SERVICE) {
  const r = parseUnitFileText(text, 'u.service', sections ? { sections } : {});
  return { pairs: r.assignments.map((a) => [a.section, a.key, a.value, a.line]), msgs: r.diagnostics.map((d) => `${d.line}: ${d.message}`), fatal: r.fatal };
}

test('repeated keys are all kept in order, with their lines; quotes and inline # or ; are left to the key', () => {
  const { pairs, msgs } = kv(
    '[Service]\nExecStartPre=/bin/a\nExecStartPre=/bin/b\nExecStart=/bin/sh -c "echo a; echo b"\nDescription=web # front\n',
  );
  assert.deepEqual(msgs, []);
  assert.deepEqual(pairs, [
    ['Service', 'ExecStartPre', '/bin/a', 2],
    ['Service', 'ExecStartPre', '/bin/b', 3],
    ['Service', 'ExecStart', '/bin/sh -c "echo a; echo b"', 4],
    ['Service', 'Description', 'web # front', 5],
  ]);
});

test('a trailing backslash continues the line with a space; comment lines inside are dropped; the last line is reported', () => {
  const { pairs } = kv('[Service]\nExecStart=/bin/echo a \\\n# not part of it\n  b\\\n\tc\nX=\\\\\n');
  assert.deepEqual(pairs, [
    ['Service', 'ExecStart', '/bin/echo a    b \tc', 5],
    ['Service', 'X', '\\\\', 6],
  ]);
});

test('a continuation still open at the end of the file is parsed at the line after the last', () => {
  const { pairs } = kv('[Unit]\nDescription=a \\\n');
  assert.deepEqual(pairs, [['Unit', 'Description', 'a', 3]]);
});

test('blanks around keys and values are trimmed, a key may contain spaces, = in values is kept', () => {
  const { pairs } = kv('[Service]\n  Environment =  A=1 B==2  \n');
  assert.deepEqual(pairs, [['Service', 'Environment', 'A=1 B==2', 2]]);
});

test('line endings \\n, \\r\\n, \\r and \\n\\r each end one line; \\n\\n ends two', () => {
  assert.deepEqual(splitLines(Buffer.from('a\nb\r\nc\rd\n\re\n\nf')).map((b) => Buffer.from(b).toString()), ['a', 'b', 'c', 'd', 'e', '', 'f']);
  const { pairs } = kv('[Unit]\r\nDescription=x\r\nDocumentation=y');
  assert.deepEqual(pairs, [['Unit', 'Description', 'x', 2], ['Unit', 'Documentation', 'y', 3]]);
});

test('systemd wording for lines it ignores', () => {
  const { msgs, pairs } = kv('Description=outside\n[Unit]\nnoequals\n=value\n[Bogus]\nA=b\n[X-Vendor]\nC=d\n[Service]\nE=f\n');
  assert.deepEqual(msgs, [
    '1: Assignment outside of section. Ignoring.',
    "3: Missing '=', ignoring line.",
    "4: Missing key name before '=', ignoring line.",
    "5: Unknown section 'Bogus'. Ignoring.",
  ]);
  assert.deepEqual(pairs, [['Service', 'E', 'f', 10]]);
});

test('a bad section header is fatal: systemd stops reading and the unit fails to load', () => {
  const r = kv('[Unit]\nDescription=a\n[Service\nExecStart=/bin/true\n');
  assert.equal(r.fatal, true);
  assert.deepEqual(r.msgs, ["3: Invalid section header '[Service'"]);
  assert.deepEqual(r.pairs, [['Unit', 'Description', 'a', 2]]);
  assert.equal(kv('[Un"it]\n').fatal, true);
});

test('sections marked with "-" are skipped silently; without a section list anything goes', () => {
  assert.deepEqual(kv('[Service]\nA=1\n[Install]\nWantedBy=x\n', ['Install', '-Service']).msgs, []);
  assert.deepEqual(kv('A=1\n[Whatever]\nB=2\n', null).pairs, [['', 'A', '1', 1], ['Whatever', 'B', '2', 3]]);
});

test('a UTF-8 byte order mark is skipped; invalid UTF-8 ignores just that assignment', () => {
  const bytes = Buffer.concat([Buffer.from('\uFEFF[Unit]\nDescription=ok\nDocumentation='), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]);
  const r = parseUnitFileText(bytes, 'u.service', { sections: SERVICE });
  assert.deepEqual(r.assignments.map((a) => a.key), ['Description']);
  assert.match(r.diagnostics[0]!.message, /^String is not UTF-8 clean, ignoring assignment: /);
  assert.equal(r.diagnostics[0]!.line, 3);
});

test('an over-long line is fatal rather than held in memory', () => {
  const r = parseUnitFileText(`[Unit]\nDescription=${'x'.repeat(1024 * 1024 + 1)}\n`, 'u.service');
  assert.equal(r.fatal, true);
  assert.equal(r.diagnostics[0]!.message, 'Line too long');
});
