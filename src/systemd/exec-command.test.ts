import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandExecArgv, parseExecLine, replaceEnv } from './exec-command.js';
import { parseEnvironmentFile, parseEnvironmentLine } from './environment.js';
import { SYSTEM_HOST_DEFAULTS } from './specifiers.js';

const ctx = { unitName: 'postgresql@15-main.service', host: SYSTEM_HOST_DEFAULTS };

function argvOf(line: string) {
  const r = parseExecLine(line, ctx);
  assert.equal(r.ok, true, JSON.stringify(r));
  return r.commands.map((c) => c.argv);
}

test('quoting as in real units: nginx keeps its quoted -g argument as one word', () => {
  assert.deepEqual(argvOf(`/usr/sbin/nginx -g 'daemon on; master_process on;'`), [['/usr/sbin/nginx', '-g', 'daemon on; master_process on;']]);
  assert.deepEqual(argvOf('/bin/echo "a b" \'e\'"f" c\\sd'), [['/bin/echo', 'a b', 'ef', 'c d']]);
  const unknown = parseExecLine('/bin/echo c\\ d', ctx);
  assert.deepEqual(unknown.commands[0]!.argv, ['/bin/echo', 'c\\ d'], '"\\ " is no escape systemd knows: kept, with a warning');
  assert.deepEqual(unknown.warnings, ['Ignoring unknown escape sequences: "c\\ d"']);
  assert.deepEqual(argvOf('/bin/echo \\x41\\t\\u00e9'), [['/bin/echo', 'A\té']]);
});

test('prefixes -, @, :, +, ! and !! set flags; @ takes argv[0] from the next word', () => {
  const [c] = parseExecLine('-@:/bin/sh mysh -c true', ctx).commands as [ReturnType<typeof parseExecLine>['commands'][number]];
  assert.deepEqual(c, { path: '/bin/sh', argv: ['mysh', '-c', 'true'], ignoreFailure: true, noEnvExpand: true, fullPrivileges: false, noSetuid: false, ambientMagic: false });
  assert.equal(parseExecLine('+/bin/true', ctx).commands[0]!.fullPrivileges, true);
  assert.equal(parseExecLine('!/bin/true', ctx).commands[0]!.noSetuid, true);
  const magic = parseExecLine('!!/bin/true', ctx).commands[0]!;
  assert.deepEqual([magic.noSetuid, magic.ambientMagic], [false, true]);
  assert.equal(parseExecLine('!+/bin/true', ctx).ok, false, '+ after ! is not a prefix, so "+/bin/true" is no path');
});

test('a lone ; separates commands, \\; is a literal argument, a ; inside a word is kept', () => {
  assert.deepEqual(argvOf('/bin/echo a;b ; /bin/false'), [['/bin/echo', 'a;b'], ['/bin/false']]);
  assert.deepEqual(argvOf('/usr/bin/find . -exec rm {} \\;'), [['/usr/bin/find', '.', '-exec', 'rm', '{}', ';']]);
});

test('specifiers resolve in the path and the arguments', () => {
  assert.deepEqual(argvOf('/usr/bin/pg_ctlcluster --skip-systemctl-redirect %i start'), [['/usr/bin/pg_ctlcluster', '--skip-systemctl-redirect', '15-main', 'start']]);
  const bad = parseExecLine('/bin/echo %Z', ctx);
  assert.deepEqual([bad.ok, bad.ok ? '' : bad.message], [false, 'Failed to resolve unit specifiers in %Z: Invalid slot']);
});

test('errors are fatal unless the command has the - prefix, with systemd wording', () => {
  const cases: Array<[string, string]> = [
    ['/bin/true "unbalanced', 'Unbalanced quoting, ignoring: "/bin/true "unbalanced"'],
    ['@/bin/true', 'Empty executable name or zeroeth argument: @/bin/true'],
    ['/usr/bin/', 'Executable path specifies a directory: /usr/bin/'],
    ['bin/x', 'Neither a valid executable name nor an absolute path: bin/x'],
  ];
  for (const [line, message] of cases) {
    const r = parseExecLine(line, ctx);
    assert.deepEqual(r.ok ? null : [r.message, r.fatal], [message, true], line);
  }
  const dash = parseExecLine('-', ctx);
  assert.deepEqual([dash.ok, dash.warnings], [true, ["Empty path in command line, ignoring: '-'"]]);
  const relaxed = parseExecLine('-bin/x', ctx);
  assert.deepEqual([relaxed.ok, relaxed.warnings], [true, ['Neither a valid executable name nor an absolute path, ignoring: bin/x']]);
  const firstWord = parseExecLine('"/bin/true', ctx);
  assert.deepEqual(firstWord.ok ? null : firstWord.fatal, false, 'an unbalanced first word only drops the line');
  assert.deepEqual(argvOf('true'), [['true']], 'a bare name is looked up at start');
});

test('$VAR as a whole argument splits into words; ${VAR} substitutes in place; $$ is a dollar', () => {
  const env = new Map([['OPTS', '-a  "b c" d'], ['EMPTY', ''], ['X', 'x y']]);
  assert.deepEqual(expandExecArgv(['/usr/sbin/sshd', '-D', '$OPTS'], env), ['/usr/sbin/sshd', '-D', '-a', 'b c', 'd']);
  assert.deepEqual(expandExecArgv(['cmd', '$EMPTY', '$UNSET', '--x=${X}', 'a$X', '$$X', '${UNSET}'], env), ['cmd', '--x=x y', 'a$X', '$X', '']);
  assert.deepEqual(expandExecArgv(['cmd', '$X/bin'], env), ['cmd'], 'systemd looks up "X/bin" as the name');
  assert.equal(replaceEnv('${X:-d}|$${X}|${}', env), '${X:-d}|${X}|');
  assert.equal(replaceEnv('${X|${X}', env), '', 'the name runs to the first }, so this looks up "X|${X"');
});

test('Environment= lines: quoted assignments, escapes, invalid ones skipped with systemd wording', () => {
  const r = parseEnvironmentLine('"A=1 2" B=3 C 1X=2 D=%i E=a\\tb', ctx);
  assert.deepEqual(r.assignments, [['A', '1 2'], ['B', '3'], ['D', '15-main'], ['E', 'a\tb']]);
  assert.deepEqual(r.warnings, ['Invalid environment assignment, ignoring: C', 'Invalid environment assignment, ignoring: 1X=2']);
  assert.deepEqual(parseEnvironmentLine('"A=1', ctx).warnings, ['Invalid syntax, ignoring: "A=1']);
});

test('environment files in systemd format, not shell', () => {
  const text = [
    '# comment', '; also a comment', 'A=1', '  B = two words  ', "C='single $quoted'", 'D="dq \\"x\\" \\$y \\n"', 'E=line\\',
    'continued', 'export F=1', 'G=a # not a comment', 'H=', 'I', 'J="multi', 'line"',
  ].join('\n');
  const { vars, invalid } = parseEnvironmentFile(text);
  assert.deepEqual(vars, [
    ['A', '1'], ['B', 'two words'], ['C', 'single $quoted'], ['D', 'dq "x" $y \\n'], ['E', 'linecontinued'],
    ['G', 'a # not a comment'], ['H', ''], ['J', 'multi\nline'],
  ]);
  assert.deepEqual(invalid.map((i) => i.text), ['export F=1']);
});
