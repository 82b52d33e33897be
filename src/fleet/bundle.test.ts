/** Reading a fleet dir, and merging assigned bundles into one host's set. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBundleDir, BUNDLE_LIMITS } from './bundle.js';
import { assignBundles } from './assignment.js';
import type { BundleDoc } from './desired.js';

function tree(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-fleet-bundle-'));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}

describe('readBundleDir', () => {
  test('reads the config-dir layout and skips editor leftovers', async () => {
    const dir = tree({ 'services/web.toml': 'exec = ["/bin/true"]\n', 'services/web.toml~': 'old', 'xinetd.d/daytime': 'service daytime\n{\n}\n', 'fleet.toml': 'runlevel = 3\n' });
    const r = await readBundleDir(dir);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(Object.keys(r.files).sort(), ['fleet.toml', 'services/web.toml', 'xinetd.d/daytime']);
    rmSync(dir, { recursive: true });
  });

  test('refuses stray files, binaries, symlinks, oversize files and bad fleet.toml, naming each file', async () => {
    const dir = tree({
      'hearth.toml': 'runlevel = 3',
      'services/bin.toml': Buffer.from([0x61, 0x00, 0x62]),
      'services/big.toml': 'x'.repeat(BUNDLE_LIMITS.fileBytes + 1),
      'services/notes.txt': '',
      'fleet.toml': 'runlevel = "three"\n',
    });
    symlinkSync('/etc/passwd', join(dir, 'services', 'link.toml'));
    const r = await readBundleDir(dir);
    assert.deepEqual(r.errors.map((e) => e.file).sort(), ['fleet.toml', 'hearth.toml', 'services/big.toml', 'services/bin.toml', 'services/link.toml', 'services/notes.txt']);
    assert.match(r.errors.find((e) => e.file === 'services/bin.toml')!.message, /not UTF-8 text/);
    assert.equal(r.errors.find((e) => e.file === 'fleet.toml')!.line, 1);
    rmSync(dir, { recursive: true });
  });

  test('a missing dir is one clear error', async () => {
    const r = await readBundleDir('/nonexistent/fleet-dir');
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0]!.message, /cannot read fleet dir "\/nonexistent\/fleet-dir"/);
  });
});

const bundle = (name: string, selector: string, files: Record<string, string>, version = 1): BundleDoc => ({
  v: 1, name, selector, version, hash: name, files, appliedAt: '', by: 'test',
});

describe('assignBundles', () => {
  const all = [
    bundle('all', '*', { 'services/ntp.toml': 'all', 'services/web.toml': 'from all', 'fleet.toml': 'runlevel = 3\n[enable]\ntelnet = []\nweb = [3]\n', 'inetd.conf': 'echo stream tcp nowait root internal' }),
    bundle('role=web', 'role=web', { 'services/web.toml': 'from role', 'fleet.toml': '[enable]\nweb = [2, 3]\n', 'inetd.conf': 'chargen stream tcp nowait root internal\n' }),
    bundle('host=web1', 'host=web1', { 'services/web.toml': 'from host', 'fleet.toml': 'runlevel = 5\n' }),
    bundle('role=db', 'role=db', { 'services/pg.toml': 'db' }),
  ];

  test('a host gets the bundles its labels and name select; the most specific file wins and the losers are reported', () => {
    const set = assignBundles(all, 'web1', { role: 'web' });
    assert.deepEqual(set.bundles, { 'host=web1': 1, all: 1, 'role=web': 1 });
    assert.equal(set.files['services/web.toml'], 'from host');
    assert.equal(set.files['services/pg.toml'], undefined);
    assert.deepEqual(set.units, ['chargen', 'echo', 'ntp', 'web']);
    assert.equal(set.unitOwners.web, 'host=web1');
    assert.deepEqual(
      set.conflicts.map((c) => `${c.unit} ${c.bundle}<${c.winner}`).sort(),
      ['fleet.toml:enable.web role=web<all', 'fleet.toml:runlevel all<host=web1', 'services/web.toml all<host=web1', 'services/web.toml role=web<host=web1'],
    );
  });

  test('fleet.toml is merged key by key and inetd.conf line by line', () => {
    const set = assignBundles(all, 'web2', { role: 'web' });
    assert.match(set.files['fleet.toml']!, /^runlevel = 3$/m);
    assert.match(set.files['fleet.toml']!, /^"telnet" = \[\]$/m);
    assert.match(set.files['inetd.conf']!, /^echo stream/m);
    assert.match(set.files['inetd.conf']!, /^chargen stream/m);
  });

  test('the same bundles give the same hash; a host with no match gets an empty set', () => {
    assert.equal(assignBundles(all, 'web2', { role: 'web' }).hash, assignBundles([...all].reverse(), 'web2', { role: 'web' }).hash);
    const none = assignBundles(all.slice(1), 'mail1', { role: 'mail' });
    assert.deepEqual(none.files, {});
  });

  test('a bundle with a path that would escape the set is skipped and reported', () => {
    const set = assignBundles([bundle('evil', '*', { '../../etc/cron.d/x': 'boom', 'services/ok.toml': 'fine' })], 'h', {});
    assert.deepEqual(Object.keys(set.files), ['services/ok.toml']);
    assert.match(set.problems[0]!, /has no place/);
  });
});
