import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrationCheck } from './checks.js';
import { readCgroups } from './host.js';

/** A mountinfo with a cgroup2 mount at a temp dir (writable: we made it), its super options as given. */
function hostWith(superOptions: string) {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-mountinfo-'));
  const mountinfo = join(dir, 'mountinfo');
  writeFileSync(mountinfo, `35 24 0:30 / ${dir} rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 ${superOptions}\n`);
  return { host: readCgroups(mountinfo), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('doctor says when cgroup moves wait for the kernel, and how to stop it', () => {
  const h = hostWith('rw,nsdelegate,memory_recursiveprot');
  try {
    assert.equal(h.host.v2?.favorDynmods, false);
    const c = migrationCheck(h.host);
    assert.equal(c?.status, 'info');
    assert.match(c!.summary, /without favordynmods/);
    assert.match(c!.fix ?? '', /cgroup_favordynmods=true/);
  } finally {
    h.cleanup();
  }
});

test('with favordynmods the check is satisfied', () => {
  const h = hostWith('rw,favordynmods');
  try {
    assert.equal(h.host.v2?.favorDynmods, true);
    assert.equal(migrationCheck(h.host)?.status, 'ok');
  } finally {
    h.cleanup();
  }
});

test('no check where hearthd could not use cgroups anyway', () => {
  assert.equal(migrationCheck({ v1: [] }), undefined);
});
