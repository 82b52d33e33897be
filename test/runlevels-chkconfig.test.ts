/**
 * `hearth chkconfig` against a real SysV tree and a real xinetd.d: the links
 * it writes, the --list text it prints and the xinetd files it rewrites are
 * what Red Hat's chkconfig produces for the same operations.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSysvScripts } from '../src/config/sysv-script.js';
import { isXinetdEnabled, setXinetdDisable, xinetdDefaultOn } from '../src/config/index.js';
import {
  SysvTreeEnablement,
  describeRcTree,
  parseChkconfigArgs,
  runChkconfig,
  sysvEnablementUnit,
  type ChkconfigContext,
} from '../src/runlevels/index.js';
import { testTempDir } from '../src/testing/temp-dir.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/sysv');

function setup() {
  const root = testTempDir('hearth-chkconfig-');
  fs.cpSync(path.join(fixtures, 'tree-init.d'), path.join(root, 'init.d'), { recursive: true });
  for (let l = 0; l <= 6; l++) fs.mkdirSync(path.join(root, `rc${l}.d`));
  const xdir = path.join(root, 'xinetd.d');
  fs.mkdirSync(xdir);
  const xinetdFile = (on: boolean, name: string) => `# default: off\nservice ${name}\n{\n\ttype\t\t= INTERNAL\n\tdisable\t\t= ${on ? 'no' : 'yes'}\n}\n`;
  fs.writeFileSync(path.join(xdir, 'chargen-dgram'), xinetdFile(false, 'chargen'));
  fs.writeFileSync(path.join(xdir, 'daytime-stream'), xinetdFile(true, 'daytime'));
  fs.writeFileSync(path.join(xdir, 'echo'), xinetdFile(true, 'echo'));

  const units = () => loadSysvScripts(path.join(root, 'init.d')).scripts.map(sysvEnablementUnit);
  const enablement = new SysvTreeEnablement(root, units);
  let reloads = 0;
  const context = (): ChkconfigContext => ({
    services: units().map((unit) => ({ unit })),
    xinetd: fs.readdirSync(xdir).map((name) => {
      const text = fs.readFileSync(path.join(xdir, name), 'utf8');
      const defaultOn = xinetdDefaultOn(text);
      return { name, on: isXinetdEnabled(text), ...(defaultOn !== undefined ? { defaultOn } : {}) };
    }),
    xinetdEnabled: true,
    currentRunlevel: 3,
    enablement,
    setXinetd: async (name, on) => {
      const file = path.join(xdir, name);
      fs.writeFileSync(file, setXinetdDisable(fs.readFileSync(file, 'utf8'), on));
      reloads++;
    },
  });
  const chkconfig = async (...argv: string[]) => {
    const p = parseChkconfigArgs(argv);
    if (!p.ok) return { stdout: '', stderr: `${p.message}\n`, exitCode: p.exitCode };
    return runChkconfig(p.action, context());
  };
  return { root, xdir, chkconfig, reloads: () => reloads };
}

describe('hearth chkconfig on a SysV tree', () => {
  test('the same command sequence gives chkconfig’s links and --list output', async () => {
    const { root, chkconfig } = setup();
    for (const args of [
      ['--add', 'syslog'],
      ['--add', 'cron'],
      ['--add', 'crond'],
      ['--add', 'netfs'],
      ['--level', '3', 'cron', 'off'],
      ['--level', '3', 'syslog', 'off'],
      ['cron', 'resetpriorities'],
      ['--del', 'netfs'],
      ['crond', 'reset'],
      ['--level', '35', 'crond', 'off'],
    ]) {
      const r = await chkconfig(...args);
      assert.deepEqual([r.exitCode, r.stderr], [0, ''], args.join(' '));
    }
    const expectedTree = fs.readFileSync(path.join(fixtures, 'tree-expected.txt'), 'utf8').trim().split('\n');
    assert.deepEqual(describeRcTree(root), expectedTree);
    const list = await chkconfig('--list');
    assert.equal(list.stdout, fs.readFileSync(path.join(fixtures, 'chkconfig-list-expected.txt'), 'utf8'));
  });

  test('queries and errors answer like chkconfig', async () => {
    const { chkconfig } = setup();
    await chkconfig('--add', 'crond');
    assert.equal((await chkconfig('crond')).exitCode, 0);
    assert.equal((await chkconfig('--level', '1', 'crond')).exitCode, 1);
    const multi = await chkconfig('--level', '12', 'crond');
    assert.deepEqual([multi.exitCode, multi.stderr], [1, 'only one runlevel may be specified for a chkconfig query\n']);
    const notAdded = await chkconfig('--list', 'netfs');
    assert.equal(notAdded.stderr, "service netfs supports chkconfig, but is not referenced in any runlevel (run 'chkconfig --add netfs')\n");
  });

  test('xinetd on/off rewrites the disable line, reloads, and round-trips', async () => {
    const { xdir, chkconfig, reloads } = setup();
    const before = fs.readFileSync(path.join(xdir, 'echo'), 'utf8');
    assert.equal((await chkconfig('echo', 'off')).exitCode, 0);
    assert.match(fs.readFileSync(path.join(xdir, 'echo'), 'utf8'), /\tdisable\t\t= yes\n/);
    assert.equal((await chkconfig('echo')).exitCode, 1);
    assert.equal((await chkconfig('--list', 'echo')).stdout, 'echo           \toff\n');
    await chkconfig('echo', 'on');
    assert.equal(fs.readFileSync(path.join(xdir, 'echo'), 'utf8'), before);
    await chkconfig('daytime-stream', 'reset');
    assert.equal((await chkconfig('--list', 'daytime-stream')).stdout, 'daytime-stream \toff\n');
    assert.equal(reloads(), 3);
  });
});
