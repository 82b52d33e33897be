/** The on-disk set: atomic swap, what a reader sees, pruning, and reading it back after a restart. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { materialise, readCurrentSet } from './materialise.js';
import { assignBundles } from './assignment.js';
import type { BundleDoc } from './desired.js';

const doc = (files: Record<string, string>, version = 1): BundleDoc => ({ v: 1, name: 'b', selector: '*', version, hash: '', files, appliedAt: '', by: '' });

test('a set is written whole, made current, readable after a restart, and older sets are pruned', async () => {
  const root = join(mkdtempSync(join(tmpdir(), 'hearth-fleet-mat-')), 'fleet');
  assert.equal(await readCurrentSet(root), undefined);
  const first = await materialise(root, assignBundles([doc({ 'services/a.toml': 'A', 'init.d/legacy': '#!/bin/sh\n' })], 'h', {}), 10);
  assert.equal(readFileSync(join(root, 'current', 'services', 'a.toml'), 'utf8'), 'A');
  assert.equal(statSync(join(root, 'current', 'init.d', 'legacy')).mode & 0o777, 0o755);
  assert.equal(statSync(join(root, 'current', 'services', 'a.toml')).mode & 0o777, 0o644);
  const second = await materialise(root, assignBundles([doc({ 'services/b.toml': 'B' }, 2)], 'h', {}), 11);
  // The first set stays for a reader that resolved `current` a moment ago.
  assert.equal(readFileSync(join(first.dir, 'services', 'a.toml'), 'utf8'), 'A');
  assert.equal(existsSync(join(root, 'current', 'services', 'a.toml')), false);
  const third = await materialise(root, assignBundles([doc({ 'services/c.toml': 'C' }, 3)], 'h', {}), 12);
  assert.equal(existsSync(first.dir), false, 'sets older than the previous one are removed');
  assert.equal(existsSync(second.dir), true);
  assert.deepEqual(readdirSync(join(root, 'sets')).length, 2);
  const back = await readCurrentSet(root);
  assert.deepEqual(back, third);
  assert.deepEqual(back!.units, ['c']);
  rmSync(join(root, '..'), { recursive: true });
});

test('a reader that walks the set while it is swapped again and again never sees a mix', async () => {
  const root = join(mkdtempSync(join(tmpdir(), 'hearth-fleet-swap-')), 'fleet');
  const setOf = (n: number) => assignBundles([doc(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`services/u${i}.toml`, `gen ${n}`])), n)], 'h', {});
  await materialise(root, setOf(0), 0);
  let writing = true;
  const writer = (async () => {
    for (let n = 1; n <= 30; n++) await materialise(root, setOf(n), n);
    writing = false;
  })();
  let reads = 0;
  while (writing) {
    const set = await readCurrentSet(root);
    if (!set) continue;
    // Read through the resolved folder, as the loader is told to.
    let gens: Set<string>;
    try {
      gens = new Set(readdirSync(join(set.dir, 'services')).map((f) => readFileSync(join(set.dir, 'services', f), 'utf8')));
    } catch {
      continue; // pruned under us: two swaps happened during this read; the loader reloads on onChange.
    }
    assert.equal(gens.size, 1, `one generation per set, saw ${[...gens].join(', ')}`);
    reads++;
    await new Promise((r) => setImmediate(r));
  }
  await writer;
  assert.ok(reads > 0);
  rmSync(join(root, '..'), { recursive: true });
});
