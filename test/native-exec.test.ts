/**
 * hearth-exec's mount options, run directly (as root, in a private mount
 * namespace that the helper makes itself): read-only with a writable hole,
 * a directory bound over another, hidden paths, an optional "-PATH" that is
 * missing, and a clear message for a required one that is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeHelperPath } from '../src/native/index.js';
import { testTempDir } from '../src/testing/temp-dir.js';

const EXEC = nativeHelperPath('hearth-exec');
const skip = EXEC === null ? 'hearth-exec is not built' : process.getuid?.() !== 0 ? 'mount namespaces need root' : false;

function run(options: string[], script: string) {
  return spawnSync(EXEC!, [...options, '--', '/bin/sh', '-c', script], { encoding: 'utf8' });
}

function tree() {
  const root = testTempDir('hearth-exec-');
  for (const d of ['ro', 'ro/hole', 'src', 'dst', 'secret']) mkdirSync(join(root, d));
  writeFileSync(join(root, 'src', 'from-src'), 'src\n');
  writeFileSync(join(root, 'secret', 'key'), 'k\n');
  return root;
}

test('--read-only with a --read-write hole: only the hole takes writes', { skip }, () => {
  const root = tree();
  const r = run(['--read-only', join(root, 'ro'), '--read-write', join(root, 'ro', 'hole')], `touch ${root}/ro/hole/ok; touch ${root}/ro/no 2>/dev/null && echo wrote-ro; echo done`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'done\n');
  assert.ok(existsSync(join(root, 'ro', 'hole', 'ok')));
  assert.ok(!existsSync(join(root, 'ro', 'no')));
});

test('--bind SRC:DST shows SRC at DST, writable, and only inside the namespace', { skip }, () => {
  const root = tree();
  const r = run(['--read-only', root, '--bind', `${join(root, 'src')}:${join(root, 'dst')}`], `cat ${root}/dst/from-src; echo new > ${root}/dst/written`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'src\n');
  assert.equal(readFileSync(join(root, 'src', 'written'), 'utf8'), 'new\n');
  assert.ok(!existsSync(join(root, 'dst', 'from-src')), 'the bind stayed in the private namespace');
});

test('--inaccessible hides a directory; a missing "-PATH" is skipped, a missing PATH is an error naming it', { skip }, () => {
  const root = tree();
  const hidden = run(['--inaccessible', join(root, 'secret'), '--read-write', `-${join(root, 'absent')}`], `cat ${root}/secret/key 2>/dev/null || echo hidden`);
  assert.equal(hidden.status, 0, hidden.stderr);
  assert.equal(hidden.stdout, 'hidden\n');
  const missing = run(['--read-write', join(root, 'absent')], 'echo ran');
  assert.equal(missing.status, 126);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr, new RegExp(`cannot find ${join(root, 'absent')}: No such file or directory`));
  const badBind = run(['--bind', join(root, 'src')], 'echo ran');
  assert.equal(badBind.status, 126);
  assert.match(badBind.stderr, /--bind needs SRC:DST/);
});
