import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSysvScripts } from '../config/sysv-script.js';
import { SysvTreeEnablement, describeRcTree } from './sysv-tree.js';
import { sysvEnablementUnit } from './units.js';
import { flagsToLevels } from './levels.js';
import type { EnablementUnit } from './enablement.js';
import { testTempDir } from '../testing/temp-dir.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/sysv');

/** A temp SysV root: init.d copied from the fixture, rc0.d … rc6.d empty. */
function makeTree(): { root: string; units: EnablementUnit[]; tree: SysvTreeEnablement; unit: (n: string) => EnablementUnit } {
  const root = testTempDir('hearth-rc-');
  fs.cpSync(path.join(fixtures, 'tree-init.d'), path.join(root, 'init.d'), { recursive: true });
  for (let l = 0; l <= 6; l++) fs.mkdirSync(path.join(root, `rc${l}.d`));
  const units = loadSysvScripts(path.join(root, 'init.d')).scripts.map(sysvEnablementUnit);
  const tree = new SysvTreeEnablement(root, () => units);
  return { root, units, tree, unit: (n) => units.find((u) => u.name === n)! };
}

describe('SysvTreeEnablement', () => {
  test('--add writes S##/K## links named from the chkconfig header', () => {
    const { root, tree, unit } = makeTree();
    tree.add(unit('netfs'));
    assert.deepEqual(
      describeRcTree(root),
      [0, 1, 2, 3, 4, 5, 6].map((l) => `rc${l}.d/K75netfs -> ../init.d/netfs`),
    );
    assert.deepEqual(tree.get(unit('netfs')), [false, false, false, false, false, false, false]);
  });

  test('a sequence of chkconfig operations produces the tree chkconfig would', () => {
    const { root, tree, unit } = makeTree();
    for (const n of ['syslog', 'cron', 'crond', 'netfs']) tree.add(unit(n));
    tree.set(unit('cron'), [3], false);
    tree.set(unit('syslog'), [3], false);
    tree.resetPriorities(unit('cron'), [0, 1, 2, 3, 4, 5, 6]);
    tree.del(unit('netfs'));
    tree.reset(unit('crond'), [0, 1, 2, 3, 4, 5, 6]);
    tree.set(unit('crond'), [3, 5], false);
    const expected = fs.readFileSync(path.join(fixtures, 'tree-expected.txt'), 'utf8').trim().split('\n');
    assert.deepEqual(describeRcTree(root), expected);
  });

  test('reading the tree back gives the on/off state per level; a service without links is unreferenced', () => {
    const { tree, unit } = makeTree();
    tree.add(unit('syslog'));
    tree.add(unit('cron'));
    tree.set(unit('cron'), [3], false);
    assert.deepEqual(flagsToLevels(tree.get(unit('cron'))!), [2, 4, 5]);
    assert.equal(tree.get(unit('netfs')), null);
    // Like chkconfig, "off" recomputes an LSB script's numbers with it counted on everywhere.
    assert.equal(tree.startPriority('cron', 2), 50);
    assert.equal(tree.startPriority('cron', 3), undefined);
    tree.resetPriorities(unit('cron'), [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(tree.startPriority('cron', 2), 61, 'after syslog (S60), which it requires as $syslog');
    assert.deepEqual(flagsToLevels(tree.get(unit('cron'))!), [2, 4, 5]);
  });

  test('links made by another tool (update-rc.d style) are understood', () => {
    const { root, tree, unit } = makeTree();
    for (const l of [2, 3, 4, 5]) fs.symlinkSync('../init.d/cron', path.join(root, `rc${l}.d`, 'S01cron'));
    fs.symlinkSync('../init.d/cron', path.join(root, 'rc3.d', 'S01cronish'));
    assert.deepEqual(flagsToLevels(tree.get(unit('cron'))!), [2, 3, 4, 5]);
    tree.set(unit('cron'), [3], false);
    assert.ok(fs.readdirSync(path.join(root, 'rc3.d')).includes('S01cronish'), 'another service with a longer name is untouched');
    assert.ok(!fs.readdirSync(path.join(root, 'rc3.d')).includes('S01cron'));
  });

  test('autoAdd treats an unlinked service as enabled in its defaults', () => {
    const { root, units } = makeTree();
    const tree = new SysvTreeEnablement(root, () => units, { autoAdd: true });
    assert.deepEqual(flagsToLevels(tree.get(units.find((u) => u.name === 'crond')!)!), [2, 3, 4, 5]);
  });

  test('override switches an untouched service to the override levels, but not a changed one', () => {
    const { root, tree, unit } = makeTree();
    tree.add(unit('netfs'));
    assert.equal(tree.override(unit('netfs'), { ...unit('netfs'), defaultLevels: [3, 5] }), true);
    assert.deepEqual(flagsToLevels(tree.get(unit('netfs'))!), [3, 5]);
    assert.ok(describeRcTree(root).includes('rc3.d/S25netfs -> ../init.d/netfs'));
    tree.add(unit('syslog'));
    tree.set(unit('syslog'), [2], false);
    assert.equal(tree.override(unit('syslog'), { ...unit('syslog'), defaultLevels: [5] }), false);
  });
});
