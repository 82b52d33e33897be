import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { chkconfigUsage, parseChkconfigArgs, type ChkconfigParse } from './chkconfig-args.js';

const ok = (argv: string[]) => {
  const r = parseChkconfigArgs(argv);
  assert.ok(r.ok, `expected ${JSON.stringify(argv)} to parse`);
  return r.action;
};
const err = (argv: string[]) => {
  const r = parseChkconfigArgs(argv) as Extract<ChkconfigParse, { ok: false }>;
  assert.equal(r.ok, false, `expected ${JSON.stringify(argv)} to fail`);
  assert.equal(r.exitCode, 1);
  return r;
};

describe('parseChkconfigArgs', () => {
  test('no arguments lists everything', () => {
    assert.deepEqual(ok([]), { kind: 'list', type: 'any' });
  });

  test('--list with and without a name, and --type', () => {
    assert.deepEqual(ok(['--list']), { kind: 'list', type: 'any' });
    assert.deepEqual(ok(['--list', 'sshd']), { kind: 'list', name: 'sshd', type: 'any' });
    assert.deepEqual(ok(['--type', 'xinetd', '--list']), { kind: 'list', type: 'xinetd' });
    assert.deepEqual(ok(['--list', '--type=sysv']), { kind: 'list', type: 'sysv' });
  });

  test('--add, --del and --override take one name, path prefixes removed', () => {
    assert.deepEqual(ok(['--add', '/etc/init.d/sshd']), { kind: 'add', name: 'sshd', type: 'any' });
    assert.deepEqual(ok(['sshd', '--del']), { kind: 'del', name: 'sshd', type: 'any' });
    assert.deepEqual(ok(['--override', 'sshd']), { kind: 'override', name: 'sshd', type: 'any' });
    assert.equal(err(['--add']).usage, true);
    assert.equal(err(['--add', 'a', 'b']).usage, true);
  });

  test('on/off default to levels 2345; reset defaults to every level', () => {
    assert.deepEqual(ok(['sshd', 'on']), { kind: 'set', name: 'sshd', state: 'on', levels: [2, 3, 4, 5], type: 'any' });
    assert.deepEqual(ok(['--level', '35', 'sshd', 'off']), { kind: 'set', name: 'sshd', state: 'off', levels: [3, 5], type: 'any' });
    assert.deepEqual(ok(['sshd', '--levels=0', 'on']), { kind: 'set', name: 'sshd', state: 'on', levels: [0], type: 'any' });
    assert.deepEqual(ok(['sshd', 'reset']), { kind: 'set', name: 'sshd', state: 'reset', levels: [0, 1, 2, 3, 4, 5, 6], type: 'any' });
    assert.deepEqual(ok(['--level', '2', 'sshd', 'resetpriorities']), {
      kind: 'set',
      name: 'sshd',
      state: 'resetpriorities',
      levels: [2],
      type: 'any',
    });
  });

  test('the bare query takes at most one level', () => {
    assert.deepEqual(ok(['sshd']), { kind: 'query', name: 'sshd', type: 'any' });
    assert.deepEqual(ok(['--level', '3', 'sshd']), { kind: 'query', name: 'sshd', level: 3, type: 'any' });
    const e = err(['--level', '35', 'sshd']);
    assert.equal(e.usage, false);
    assert.equal(e.message, 'only one runlevel may be specified for a chkconfig query');
  });

  test('the classic errors', () => {
    assert.equal(err(['--list', '--add', 'x']).message, 'only one of --list, --add, --del, or --override may be specified');
    assert.equal(err(['--type', 'inetd', '--list']).message, "--type must be 'sysv' or 'xinetd'");
    assert.equal(err(['--bogus']).message, '--bogus: unknown option');
    assert.equal(err(['--level']).message, '--level: missing argument');
    assert.equal(err(['--level', '7', 'sshd', 'on']).usage, true);
    assert.equal(err(['--level', 'abc', 'sshd']).usage, true);
    assert.equal(err(['sshd', 'maybe']).usage, true);
    assert.equal(err(['--type', 'sysv']).usage, true);
  });

  test('help and version', () => {
    assert.deepEqual(ok(['--help']), { kind: 'help' });
    assert.deepEqual(ok(['-v']), { kind: 'version' });
    assert.match(chkconfigUsage('chkconfig', '1.24'), /^chkconfig \(hearth 1\.24\): /);
    // hearth's own words: no other vendor's copyright or licence line.
    assert.doesNotMatch(chkconfigUsage(), /Copyright|Red Hat|GNU/);
    assert.match(chkconfigUsage(), /\n {9}chkconfig \[--level <levels>\] \[--type <type>\] <name> <on\|off\|reset\|resetpriorities>\n$/);
  });
});
