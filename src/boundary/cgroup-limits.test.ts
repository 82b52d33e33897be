import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyLimits } from './cgroup-limits.js';
import type { CgroupTree } from './cgroup-tree.js';

/** A hybrid host's unit cgroups as plain files, holding what the kernel shows for a fresh cgroup. */
function hybridUnit(): { tree: CgroupTree; file: (c: string, f: string) => string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'hearth-limits-'));
  const fresh: Record<string, Record<string, string>> = {
    memory: { 'memory.limit_in_bytes': '9223372036854771712\n' },
    pids: { 'pids.max': 'max\n' },
    cpu: { 'cpu.shares': '1024\n', 'cpu.cfs_period_us': '100000\n', 'cpu.cfs_quota_us': '-1\n' },
    blkio: { 'blkio.weight': '500\n' },
  };
  for (const [c, files] of Object.entries(fresh)) {
    mkdirSync(join(root, c, 'web'), { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(root, c, 'web', f), text);
  }
  mkdirSync(join(root, 'v2', 'web'), { recursive: true });
  const tree = { dir: (unit: string) => join(root, 'v2', unit), v1Dir: (c: string, unit: string) => join(root, c, unit), v2Controllers: new Set<string>() };
  return { tree: tree as unknown as CgroupTree, file: (c, f) => join(root, c, 'web', f), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const EPOCH = new Date(0);

test('a unit without limits leaves a fresh cgroup untouched: no write at all', () => {
  const u = hybridUnit();
  try {
    const files = [['memory', 'memory.limit_in_bytes'], ['pids', 'pids.max'], ['cpu', 'cpu.shares'], ['cpu', 'cpu.cfs_period_us'], ['cpu', 'cpu.cfs_quota_us']] as const;
    for (const [c, f] of files) utimesSync(u.file(c, f), EPOCH, EPOCH);
    applyLimits(u.tree, 'web', {});
    for (const [c, f] of files) assert.equal(statSync(u.file(c, f)).mtimeMs, 0, `${c}/${f} was written`);
  } finally {
    u.cleanup();
  }
});

test('limits are set, and lifted again when the definition drops them', () => {
  const u = hybridUnit();
  try {
    applyLimits(u.tree, 'web', { memoryMax: 32 * 1024 * 1024, tasksMax: 50, cpuMaxPercent: 50 });
    assert.equal(readFileSync(u.file('memory', 'memory.limit_in_bytes'), 'utf8'), String(32 * 1024 * 1024));
    assert.equal(readFileSync(u.file('pids', 'pids.max'), 'utf8'), '50');
    assert.equal(readFileSync(u.file('cpu', 'cpu.cfs_quota_us'), 'utf8'), '50000');
    // Lifted in every hierarchy the unit's processes still join.
    applyLimits(u.tree, 'web', {}, ['memory', 'pids', 'cpu']);
    assert.equal(readFileSync(u.file('memory', 'memory.limit_in_bytes'), 'utf8'), '-1');
    assert.equal(readFileSync(u.file('pids', 'pids.max'), 'utf8'), 'max');
    assert.equal(readFileSync(u.file('cpu', 'cpu.cfs_quota_us'), 'utf8'), '-1');
  } finally {
    u.cleanup();
  }
});

test('a v1 hierarchy the unit no longer joins is left alone, memory too: its next processes are not in it', () => {
  const u = hybridUnit();
  try {
    applyLimits(u.tree, 'web', { memoryMax: 32 * 1024 * 1024, tasksMax: 50 });
    applyLimits(u.tree, 'web', {});
    assert.equal(readFileSync(u.file('memory', 'memory.limit_in_bytes'), 'utf8'), String(32 * 1024 * 1024));
    assert.equal(readFileSync(u.file('pids', 'pids.max'), 'utf8'), '50');
  } finally {
    u.cleanup();
  }
});
