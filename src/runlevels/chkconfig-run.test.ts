import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseChkconfigArgs } from './chkconfig-args.js';
import { formatChkconfigLine, formatXinetdSection } from './chkconfig-format.js';
import { runChkconfig, type ChkconfigContext } from './chkconfig-run.js';
import { JsonEnablementStore } from './json-store.js';
import { levelsToFlags } from './levels.js';
import { testTempDir } from '../testing/temp-dir.js';

function context(overrides: Partial<ChkconfigContext> = {}) {
  const store = new JsonEnablementStore(testTempDir('hearth-chk-'));
  const xinetdCalls: [string, boolean][] = [];
  const ctx: ChkconfigContext = {
    services: [
      { unit: { name: 'sshd', defaultLevels: [2, 3, 4, 5] } },
      { unit: { name: 'atd', defaultLevels: [3, 5] } },
      { unit: { name: 'legacy', defaultLevels: [2, 3, 4, 5] }, supportsChkconfig: false },
    ],
    xinetd: [
      { name: 'echo', on: true },
      { name: 'chargen-dgram', on: false, defaultOn: true },
    ],
    xinetdEnabled: true,
    currentRunlevel: 3,
    enablement: store,
    setXinetd: async (name, on) => void xinetdCalls.push([name, on]),
    ...overrides,
  };
  const run = async (...argv: string[]) => {
    const p = parseChkconfigArgs(argv);
    assert.ok(p.ok);
    return runChkconfig(p.action, ctx);
  };
  return { ctx, store, xinetdCalls, run };
}

describe('chkconfig output format', () => {
  test('a service line pads the name to 15 columns, then a tab before each level', () => {
    assert.equal(formatChkconfigLine('sshd', levelsToFlags([2, 3, 4, 5])), 'sshd           \t0:off\t1:off\t2:on\t3:on\t4:on\t5:on\t6:off\n');
    assert.equal(formatChkconfigLine('a-very-long-service-name', levelsToFlags([])).split('\t')[0], 'a-very-long-service-name');
  });

  test('the xinetd section is sorted, padded "name:" then a tab', () => {
    assert.equal(
      formatXinetdSection([
        { name: 'echo', on: true },
        { name: 'daytime-stream', on: false },
      ]),
      '\nxinetd based services:\n\tdaytime-stream:\toff\n\techo:          \ton\n',
    );
  });
});

describe('runChkconfig', () => {
  test('--list shows services by name, skips ones chkconfig cannot handle, then the xinetd section', async () => {
    const { run } = context();
    const r = await run('--list');
    assert.equal(r.exitCode, 0);
    assert.equal(
      r.stdout,
      'atd            \t0:off\t1:off\t2:off\t3:on\t4:off\t5:on\t6:off\n' +
        'sshd           \t0:off\t1:off\t2:on\t3:on\t4:on\t5:on\t6:off\n' +
        '\nxinetd based services:\n\tchargen-dgram: \toff\n\techo:          \ton\n',
    );
  });

  test('the xinetd section is absent when the super-server is off, or with --type sysv', async () => {
    assert.ok(!(await context({ xinetdEnabled: false }).run('--list')).stdout.includes('xinetd'));
    assert.ok(!(await context().run('--list', '--type', 'sysv')).stdout.includes('xinetd'));
    assert.equal((await context().run('--list', '--type', 'xinetd')).stdout.startsWith('\nxinetd based services:\n'), true);
  });

  test('--list NAME for one service, an xinetd service, and the classic errors', async () => {
    const { run, store, ctx } = context();
    assert.equal((await run('--list', 'sshd')).stdout, 'sshd           \t0:off\t1:off\t2:on\t3:on\t4:on\t5:on\t6:off\n');
    assert.equal((await run('--list', 'echo')).stdout, 'echo           \ton\n');
    const unknown = await run('--list', 'nosuch');
    assert.deepEqual([unknown.exitCode, unknown.stderr], [1, 'error reading information on service nosuch: No such file or directory\n']);
    const legacy = await run('--list', 'legacy');
    assert.deepEqual([legacy.exitCode, legacy.stderr], [1, 'service legacy does not support chkconfig\n']);
    store.del(ctx.services[0]!.unit);
    const deleted = await run('--list', 'sshd');
    assert.equal(deleted.exitCode, 1);
    assert.equal(deleted.stderr, "service sshd supports chkconfig, but is not referenced in any runlevel (run 'chkconfig --add sshd')\n");
  });

  test('the bare query answers by exit status for the current level or the one given', async () => {
    const { run } = context();
    assert.equal((await run('atd')).exitCode, 0);
    assert.equal((await run('--level', '2', 'atd')).exitCode, 1);
    assert.equal((await run('--level', '5', 'atd')).exitCode, 0);
    assert.equal((await run('nosuch')).exitCode, 1);
    assert.equal((await run('echo')).exitCode, 0);
    assert.equal((await run('chargen-dgram')).exitCode, 1);
    assert.equal((await context({ xinetdEnabled: false }).run('echo')).exitCode, 1);
    const r = await run('atd');
    assert.equal(r.stdout + r.stderr, '');
  });

  test('on, off, reset, --del and --add change the store', async () => {
    const { run, store, ctx } = context();
    const sshd = ctx.services[0]!.unit;
    assert.equal((await run('--level', '3', 'sshd', 'off')).exitCode, 0);
    assert.equal((await run('--level', '3', 'sshd')).exitCode, 1);
    await run('sshd', 'reset');
    assert.equal(store.isCustomized('sshd'), false);
    await run('--del', 'sshd');
    assert.equal(store.get(sshd), null);
    await run('--add', 'sshd');
    assert.equal((await run('sshd')).exitCode, 0);
    const bad = await run('nosuch', 'on');
    assert.deepEqual([bad.exitCode, bad.stderr], [1, 'error reading information on service nosuch: No such file or directory\n']);
  });

  test('on/off of an xinetd service goes through setXinetd; reset uses the file default', async () => {
    const { run, xinetdCalls } = context();
    await run('echo', 'off');
    await run('chargen-dgram', 'reset');
    assert.deepEqual(xinetdCalls, [
      ['echo', false],
      ['chargen-dgram', true],
    ]);
    assert.equal((await run('--add', 'echo')).exitCode, 0);
  });

  test('--override applies the override only to an untouched service', async () => {
    const { run, store, ctx } = context({ overrideFor: (n) => (n === 'atd' ? { name: 'atd', defaultLevels: [2, 3, 4, 5] } : undefined) });
    assert.equal((await run('--override', 'atd')).exitCode, 0);
    assert.deepEqual(store.get(ctx.services[1]!.unit), levelsToFlags([2, 3, 4, 5]));
    assert.equal((await run('--override', 'nosuch')).exitCode, 0);
  });

  test('--help prints the usage on stderr and exits 1', async () => {
    const r = await context().run('--help');
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /usage: {3}chkconfig \[--list\]/);
  });
});
