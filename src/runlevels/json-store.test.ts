import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HearthError } from '../errors/index.js';
import { JsonEnablementStore } from './json-store.js';
import { flagsToLevels } from './levels.js';
import type { EnablementUnit } from './enablement.js';
import { testTempDir } from '../testing/temp-dir.js';

const tmp = () => testTempDir('hearth-enable-');
const web: EnablementUnit = { name: 'web', defaultLevels: [2, 3, 4, 5] };
const levels = (s: JsonEnablementStore, u: EnablementUnit) => {
  const f = s.get(u);
  return f ? flagsToLevels(f) : null;
};

describe('JsonEnablementStore', () => {
  test('a service nobody touched follows its default levels and writes nothing', () => {
    const dir = tmp();
    const s = new JsonEnablementStore(dir);
    assert.deepEqual(levels(s, web), [2, 3, 4, 5]);
    assert.deepEqual(levels(s, { ...web, defaultLevels: [3] }), [3]);
    assert.equal(fs.existsSync(s.file), false);
  });

  test('changes survive a restart (a new store reading the same dir)', () => {
    const dir = tmp();
    const a = new JsonEnablementStore(dir);
    a.set(web, [3], false);
    a.set(web, [1], true);
    const b = new JsonEnablementStore(dir);
    assert.deepEqual(levels(b, web), [1, 2, 4, 5]);
    assert.equal(b.isCustomized('web'), true);
  });

  test('del takes a service out of every level until add restores its defaults', () => {
    const dir = tmp();
    const s = new JsonEnablementStore(dir);
    s.del(web);
    assert.equal(new JsonEnablementStore(dir).get(web), null);
    s.add(web);
    assert.deepEqual(levels(new JsonEnablementStore(dir), web), [2, 3, 4, 5]);
  });

  test('add leaves an already configured service alone', () => {
    const s = new JsonEnablementStore(tmp());
    s.set(web, [2], false);
    s.add(web);
    assert.deepEqual(levels(s, web), [3, 4, 5]);
  });

  test('on after del enables only the given levels', () => {
    const s = new JsonEnablementStore(tmp());
    s.del(web);
    s.set(web, [3], true);
    assert.deepEqual(levels(s, web), [3]);
  });

  test('reset of the changed levels returns to following the defaults', () => {
    const s = new JsonEnablementStore(tmp());
    s.set(web, [3, 4], false);
    s.reset(web, [3]);
    assert.deepEqual(levels(s, web), [2, 3, 5]);
    s.reset(web, [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(s.isCustomized('web'), false);
  });

  test('override applies only while the service is still as added', () => {
    const s = new JsonEnablementStore(tmp());
    assert.equal(s.override(web, { name: 'web', defaultLevels: [3, 5] }), true);
    assert.deepEqual(levels(s, web), [3, 5]);
    const other: EnablementUnit = { name: 'other', defaultLevels: [2, 3, 4, 5] };
    s.set(other, [2], false);
    assert.equal(s.override(other, { name: 'other', defaultLevels: [3] }), false);
    assert.deepEqual(levels(s, other), [3, 4, 5]);
  });

  test('writes replace the file by rename and leave no temp files behind', () => {
    const dir = tmp();
    const s = new JsonEnablementStore(dir);
    s.set(web, [3], false);
    const inode = fs.statSync(s.file).ino;
    s.set(web, [4], false);
    assert.notEqual(fs.statSync(s.file).ino, inode, 'a new file was renamed into place');
    assert.deepEqual(fs.readdirSync(dir), ['enablement.json']);
    const body = JSON.parse(fs.readFileSync(s.file, 'utf8'));
    assert.deepEqual(body, { version: 1, services: { web: { on: [2, 5] } } });
  });

  test('a stray temp file from a crash mid-write does not affect what is read', () => {
    const dir = tmp();
    new JsonEnablementStore(dir).set(web, [2], false);
    fs.writeFileSync(path.join(dir, '.enablement.json.tmp-1-abc'), '{"version":1,"serv');
    assert.deepEqual(levels(new JsonEnablementStore(dir), web), [3, 4, 5]);
  });

  test('a corrupt file is set aside and reported, and the store starts from the defaults', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'enablement.json'), '{nope');
    const reported: string[] = [];
    const s = new JsonEnablementStore(dir, undefined, (c) => reported.push(`${c.file} ${c.reason} -> ${c.keptAs}`));
    assert.deepEqual(levels(s, web), [2, 3, 4, 5], 'the unit follows its defaults');
    assert.equal(reported.length, 1);
    assert.match(reported[0]!, /enablement\.json is not valid JSON .* -> .*enablement\.json\.corrupt-/);
    assert.ok(fs.readdirSync(dir).some((f) => f.startsWith('enablement.json.corrupt-')));
  });

  test('forgetExcept drops entries of services that are gone', () => {
    const dir = tmp();
    const s = new JsonEnablementStore(dir);
    s.set(web, [3], false);
    s.del({ name: 'gone', defaultLevels: [] });
    s.forgetExcept(['web']);
    assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(s.file, 'utf8')).services), ['web']);
  });
});
