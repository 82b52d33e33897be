/** ServiceDirWatch with the real hearth-watch helper: what it vouches for, and that every fault makes it vouch for nothing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirWatchHelper } from '../native/index.js';
import { ServiceDirWatch, mountPointsIn } from './service-dir-watch.js';
import { loadConfigDir, ServiceFileCache } from '../config/index.js';
import { seededRandom } from '../testing/seeded-random.js';
import { churnServicesDir, loadSummary } from '../testing/service-dir-churn.js';

/** A watch whose helpers the test can reach, and what it warned. */
function watchOf(dir: string) {
  const helpers: DirWatchHelper[] = [];
  const warnings: string[] = [];
  const watch = new ServiceDirWatch(dir, (m) => warnings.push(m), async (d) => {
    const helper = await DirWatchHelper.start(d);
    helpers.push(helper);
    return helper;
  });
  return { watch, helpers, warnings };
}

type Watched = ReturnType<typeof watchOf> & { dir: string; path: (name: string) => string };

/** A services dir in a temp dir and a watch on it (started at its first sync), both gone after `fn`. */
async function withWatch(fn: (w: Watched) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'hearth-watch-'));
  const dir = join(root, 'services');
  mkdirSync(dir);
  const w = { ...watchOf(dir), dir, path: (name: string) => join(dir, name) };
  try {
    await fn(w);
  } finally {
    w.watch.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

test('the watch reports each changed file, including a rewrite its times and size cannot show', async () => {
  await withWatch(async ({ path, watch }) => {
    for (const name of ['a.toml', 'b.toml', 'c.toml', 'd.toml']) writeFileSync(path(name), 'x = 1\n');
    const stamp = await watch.sync();
    assert.ok(stamp > 0, 'the watch runs');
    const old = statSync(path('a.toml'));
    writeFileSync(path('a.toml'), 'x = 2\n');
    utimesSync(path('a.toml'), old.atime, old.mtime);
    appendFileSync(path('b.toml'), '# more\n');
    unlinkSync(path('c.toml'));
    writeFileSync(path('e.toml'), 'new = 1\n');
    const next = await watch.sync();
    assert.ok(next > stamp);
    for (const name of ['a.toml', 'b.toml', 'c.toml', 'e.toml']) assert.equal(watch.changedSince(name, stamp), true, name);
    assert.equal(watch.changedSince('d.toml', stamp), false, 'd was not touched');
    assert.deepEqual(watch.changedNamesSince(stamp)?.sort(), ['a.toml', 'b.toml', 'c.toml', 'e.toml'], 'every change named, d not');
    assert.deepEqual(watch.changedNamesSince(next), []);
    // Looked at after the sync that reported them: vouched for until they change again.
    assert.equal(watch.changedSince('a.toml', next), false);
    renameSync(path('d.toml'), path('f.toml'));
    await watch.sync();
    assert.equal(watch.changedSince('d.toml', next), true, 'renamed away');
    assert.equal(watch.changedSince('f.toml', next), true, 'renamed in');
  });
});

test('an overflow of the kernel queue makes the watch vouch for nothing looked at before it', async () => {
  await withWatch(async ({ path, watch, helpers }) => {
    for (const name of ['a.toml', 'b.toml', 'untouched.toml']) writeFileSync(path(name), 'x = 1\n');
    const stamp = await watch.sync();
    const pid = helpers[0]!.pid!;
    // Stopped, the helper reads nothing: more events than the kernel queues for it overflow its queue.
    const limit = Number(readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8'));
    process.kill(pid, 'SIGSTOP');
    try {
      // Two names in turn: the kernel merges an event identical to the one queued just before.
      for (let i = 0; i <= limit; i++) utimesSync(path(i % 2 ? 'a.toml' : 'b.toml'), i, i);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const after = await watch.sync();
    assert.ok(after > stamp, 'the watch goes on');
    assert.equal(watch.changedSince('untouched.toml', stamp), true, 'looked at before the overflow: look again, touched or not');
    assert.equal(watch.changedNamesSince(stamp), undefined, 'what changed before the overflow cannot be named');
    assert.equal(watch.changedSince('untouched.toml', after), false, 'looked at after it: vouched for');
  });
});

test('more names than one answer lists, or a name that cannot go on a line, makes the watch vouch for nothing before', async () => {
  await withWatch(async ({ path, watch }) => {
    writeFileSync(path('untouched.toml'), 'x = 1\n');
    for (const make of [(i: number) => `many-${i}.toml`, () => 'odd\nname.toml']) {
      const stamp = await watch.sync();
      // hearth-watch lists at most 256 names per sync; past that, or for a name with a newline, it says "all".
      for (let i = 0; i < 300; i++) writeFileSync(path(make(i)), 'x = 1\n');
      const after = await watch.sync();
      assert.equal(watch.changedSince('untouched.toml', stamp), true, make(0));
      assert.equal(watch.changedNamesSince(stamp), undefined, make(0));
      assert.equal(watch.changedSince('untouched.toml', after), false, make(0));
    }
  });
});

test('a file something is mounted on is never vouched for: its changes come through another path', { skip: process.getuid?.() !== 0 ? 'bind mounts need root' : false }, async () => {
  await withWatch(async ({ dir, path, watch }) => {
    const outside = join(dir, '..', 'outside.toml');
    writeFileSync(outside, 'x = 1\n');
    writeFileSync(path('web.toml'), 'x = 0\n');
    writeFileSync(path('plain.toml'), 'x = 0\n');
    execFileSync('mount', ['--bind', outside, path('web.toml')]);
    try {
      const stamp = await watch.sync();
      await watch.sync();
      assert.equal(watch.changedSince('web.toml', stamp), true, 'mounted on: looked at each time');
      assert.equal(watch.changedSince('plain.toml', stamp), false);
      assert.deepEqual(watch.changedNamesSince(stamp), ['web.toml'], 'named at every load');
    } finally {
      execFileSync('umount', [path('web.toml')]);
    }
  });
});

test('a helper killed, a dir replaced: that load gets no stamp, and the next starts a new watch', async () => {
  await withWatch(async ({ dir, path, watch, helpers }) => {
    writeFileSync(path('a.toml'), 'x = 1\n');
    const first = await watch.sync();
    assert.ok(first > 0);
    // Once SIGKILL is sent the helper runs no more code: the sync is answered by its exit, with no stamp.
    process.kill(helpers[0]!.pid!, 'SIGKILL');
    assert.equal(await watch.sync(), 0, 'no stamp while the helper is gone');
    const second = await watch.sync();
    assert.ok(second > 0);
    assert.equal(helpers.length, 2, 'a new helper');
    assert.equal(watch.changedSince('a.toml', first), true, 'nothing from before the new helper is vouched for');
    assert.equal(watch.changedNamesSince(first), undefined);

    renameSync(dir, `${dir}.old`);
    mkdirSync(dir);
    writeFileSync(path('a.toml'), 'x = 2\n');
    assert.equal(await watch.sync(), 0, 'the dir read is not the dir watched');
    const third = await watch.sync();
    assert.ok(third > 0);
    assert.equal(helpers.length, 3, 'a watch on the new dir');
    writeFileSync(path('a.toml'), 'x = 3\n');
    await watch.sync();
    assert.equal(watch.changedSince('a.toml', third), true, 'the new dir is the one watched');
  });
});

test('a file with a second link is not covered: a change through the other link is not reported to this dir', async () => {
  await withWatch(async ({ dir, path, watch }) => {
    writeFileSync(path('a.toml'), 'x = 1\n');
    await watch.sync();
    assert.equal(watch.covers(statSync(path('a.toml'))), true);
    linkSync(path('a.toml'), join(dir, '..', 'other-link.toml'));
    assert.equal(watch.covers(statSync(path('a.toml'))), false);
  });
});

test('no services dir: no watch and no warning, until the dir exists', async () => {
  await withWatch(async ({ dir, watch, warnings }) => {
    rmSync(dir, { recursive: true });
    assert.equal(await watch.sync(), 0);
    mkdirSync(dir);
    assert.ok((await watch.sync()) > 0);
    assert.deepEqual(warnings, []);
  });
});

test('a dir the helper cannot watch (here a file; on a host, inotify limits reached) is said once, and every file is looked at', async () => {
  await withWatch(async ({ dir, watch, warnings }) => {
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'not a dir\n');
    assert.equal(await watch.sync(), 0);
    assert.equal(await watch.sync(), 0);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /reloads look at every service file: cannot watch ".*services": Not a directory/);
  });
});

test('mount points right inside the dir are found in mountinfo, escapes undone', () => {
  const mountinfo = [
    '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
    '90 22 8:1 /srv/web.toml /etc/hearth/services/web.toml rw - ext4 /dev/sda1 rw',
    '91 22 8:1 /srv/x /etc/hearth/services/my\\040app.toml rw - ext4 /dev/sda1 rw',
    '92 22 8:1 /srv/y /etc/hearth/services/sub/deeper.toml rw - ext4 /dev/sda1 rw',
    '93 22 8:1 /srv/z /etc/hearth/services-other/a.toml rw - ext4 /dev/sda1 rw',
  ].join('\n');
  assert.deepEqual([...mountPointsIn('/etc/hearth/services', mountinfo)].sort(), ['my app.toml', 'web.toml']);
  assert.deepEqual([...mountPointsIn('/etc/other', mountinfo)], []);
});

test('a dir on a file system inotify cannot be trusted on (procfs here) gets no watch and no warning', async () => {
  const { watch, helpers, warnings } = watchOf('/proc/self');
  try {
    assert.equal(await watch.sync(), 0);
    assert.deepEqual([helpers.length, warnings], [0, []]);
  } finally {
    watch.stop();
  }
});

test('with the real watch, a reload that starts from the last load gives what a load from scratch gives, after any series of changes', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hearth-watch-churn-'));
  mkdirSync(join(root, 'services'));
  const cache = new ServiceFileCache(() => Date.now() + 10_000, new ServiceDirWatch(join(root, 'services'), () => {}));
  const random = seededRandom(424242);
  const steps: string[] = [];
  try {
    for (let step = 0; step < 150; step++) {
      // A few changes between loads, as an admin's editor or a config manager makes them.
      for (let i = Math.floor(random() * 3); i >= 0; i--) steps.push(churnServicesDir(root, random).what);
      const cached = loadSummary(await loadConfigDir(root, { serviceFiles: cache }));
      assert.deepEqual(cached, loadSummary(await loadConfigDir(root)), `after: ${steps.slice(-8).join('; ')}`);
    }
  } finally {
    cache.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
