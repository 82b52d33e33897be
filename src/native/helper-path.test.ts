import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE_HELPERS, PACKAGE_ROOT, helperBuildAdvice, installKind, missingHelpers, rebuildAdvice, type InstallKind } from './helper-path.js';

test('installKind tells a checkout, the Debian package and npm installs apart', () => {
  const base = mkdtempSync(join(tmpdir(), 'hearth-kind-'));
  try {
    const make = (rel: string, file?: [string, string]) => {
      const dir = join(base, rel);
      mkdirSync(dir, { recursive: true });
      if (file) writeFileSync(join(dir, file[0]), file[1]);
      return dir;
    };
    assert.equal(installKind(make('checkout', ['.git', 'gitdir: elsewhere\n'])), 'checkout');
    assert.equal(installKind(make('usr/lib/hearth', ['.hearth-install', 'deb\n'])), 'deb');
    assert.equal(installKind(make('prefix/lib/node_modules/hearth')), 'npm-global');
    assert.equal(installKind(make('project/node_modules/hearth')), 'npm-local');
    assert.equal(installKind(make('unpacked/hearth')), 'unknown');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('advice for an installed copy never sends the user to a checkout\'s npm scripts', () => {
  for (const kind of ['deb', 'npm-global', 'npm-local', 'unknown'] as InstallKind[]) {
    assert.doesNotMatch(helperBuildAdvice(kind, '/somewhere/hearth'), /npm run/);
    assert.doesNotMatch(rebuildAdvice(kind), /npm run/);
  }
  assert.match(helperBuildAdvice('npm-global', '/p/lib/node_modules/hearth'), /node \/p\/lib\/node_modules\/hearth\/scripts\/build-native\.mjs/);
  assert.match(helperBuildAdvice('deb'), /apt-get install --reinstall hearth/);
  assert.match(helperBuildAdvice('checkout', '/src/hearth'), /npm run build:native/);
});

test('missingHelpers lists every helper of a copy without native/build', () => {
  const root = mkdtempSync(join(tmpdir(), 'hearth-nohelpers-'));
  try {
    assert.deepEqual(missingHelpers(root).map((h) => h.name), NATIVE_HELPERS.map((h) => h.name));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('NATIVE_HELPERS names exactly the helpers native/ builds', () => {
  const sources = readdirSync(join(PACKAGE_ROOT, 'native')).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2)).sort();
  assert.deepEqual(NATIVE_HELPERS.map((h) => h.name).sort(), sources);
});
