/** ServiceFileCache: a reload reads only the service files that changed, and never trusts one that changed too recently. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigDir } from './config-dir.js';
import { ServiceFileCache, type ChangeWatch } from './service-file-cache.js';
import type { ServiceFileResult } from './service-file.js';
import { seededRandom } from '../testing/seeded-random.js';
import { churnServicesDir, loadSummary } from '../testing/service-dir-churn.js';

/** A clock ten seconds ahead: every file was written long enough before it was read for the cache to trust it. */
const later = () => Date.now() + 10_000;

function withDir(fn: (dir: string, write: (name: string, text: string, when?: Date) => void) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-cache-'));
  mkdirSync(join(dir, 'services'));
  const write = (name: string, text: string, when?: Date) => {
    const path = join(dir, 'services', `${name}.toml`);
    writeFileSync(path, text);
    if (when) utimesSync(path, when, when);
  };
  return fn(dir, write).finally(() => rmSync(dir, { recursive: true, force: true }));
}

describe('ServiceFileCache', () => {
  test('an unchanged file gives back the very definition of the last load; a changed one is read again', async () => {
    await withDir(async (dir, write) => {
      write('a', 'exec = ["/bin/sleep", "1"]\n', new Date(2020, 0, 1));
      write('b', 'exec = ["/bin/sleep", "2"]\n', new Date(2020, 0, 1));
      const cache = new ServiceFileCache(later);
      const first = await loadConfigDir(dir, { serviceFiles: cache });
      // The same size: the modification time tells them apart.
      write('b', 'exec = ["/bin/sleep", "3"]\n', new Date(2020, 0, 2));
      const second = await loadConfigDir(dir, { serviceFiles: cache });
      assert.equal(second.services.get('a'), first.services.get('a'));
      assert.notEqual(second.services.get('b'), first.services.get('b'));
      assert.deepEqual(second.services.get('b')!.exec, ['/bin/sleep', '3']);
    });
  });

  test('a file that changed shortly before it was read is read again, and its last parse is used only if the text is the same', async () => {
    const t0 = Date.UTC(2026, 0, 1);
    let now = t0 + 1000; // read one second after the file's last change
    const cache = new ServiceFileCache(() => now);
    const stats = { dev: 1, ino: 2, size: 27, mtimeMs: t0, ctimeMs: t0 } as Stats;
    const result = (n: number) => ({ errors: [], warnings: [], n }) as unknown as ServiceFileResult;
    let parses = 0;
    const parse = (n: number) => () => (parses++, result(n));

    let load = await cache.load('/c', {});
    assert.equal(load.unchanged('a.toml', stats, true), undefined);
    const first = load.parsed('a.toml', stats, true, 'exec = ["/bin/sleep", "1"]\n', parse(1));
    load.end();
    // The same times, size and inode: a second write in the same clock tick would look like this.
    load = await cache.load('/c', {});
    assert.equal(load.unchanged('a.toml', stats, true), undefined, 'times within RACY_MS of the read are not trusted');
    const second = load.parsed('a.toml', stats, true, 'exec = ["/bin/sleep", "2"]\n', parse(2));
    load.end();
    assert.equal(parses, 2, 'a new text is parsed');
    assert.notEqual(second, first);

    now = t0 + 10_000; // long after the last change: read once more, then trusted
    load = await cache.load('/c', {});
    assert.equal(load.unchanged('a.toml', stats, true), undefined);
    const settled = load.parsed('a.toml', stats, true, 'exec = ["/bin/sleep", "2"]\n', parse(3));
    assert.equal(parses, 2, 'the same text is not parsed again');
    load.end();
    load = await cache.load('/c', {});
    assert.equal(load.unchanged('a.toml', stats, true), settled);
    assert.notEqual(settled, first);
  });

  test('a broken file stays broken with the same errors, and a fixed one is read', async () => {
    await withDir(async (dir, write) => {
      write('bad', 'exec = ["/bin/sleep", "1"]\nrestrat = "always"\n', new Date(2020, 0, 1));
      const cache = new ServiceFileCache(later);
      const first = await loadConfigDir(dir, { serviceFiles: cache });
      const again = await loadConfigDir(dir, { serviceFiles: cache });
      assert.deepEqual(
        again.broken.map((b) => b.errors.map(String)),
        first.broken.map((b) => b.errors.map(String)),
      );
      write('bad', 'exec = ["/bin/sleep", "1"]\nrestart = "always"\n', new Date(2020, 0, 2));
      const fixed = await loadConfigDir(dir, { serviceFiles: cache });
      assert.deepEqual(fixed.broken, []);
      assert.equal(fixed.services.get('bad')!.restart, 'always');
    });
  });

  test('new log defaults in hearth.toml reach every service, cached or not', async () => {
    await withDir(async (dir, write) => {
      write('a', 'exec = ["/bin/sleep", "1"]\n');
      const cache = new ServiceFileCache(later);
      const before = await loadConfigDir(dir, { serviceFiles: cache });
      writeFileSync(join(dir, 'hearth.toml'), '[logs]\nmax_size = "3M"\n');
      const after = await loadConfigDir(dir, { serviceFiles: cache });
      assert.notEqual(after.services.get('a')!.log.maxBytes, before.services.get('a')!.log.maxBytes);
      assert.equal(after.services.get('a')!.log.maxBytes, 3 * 1024 * 1024);
    });
  });

  test('a removed file is gone from the next load and from the cache', async () => {
    await withDir(async (dir, write) => {
      write('a', 'exec = ["/bin/sleep", "1"]\n');
      write('b', 'exec = ["/bin/sleep", "1"]\n');
      const cache = new ServiceFileCache(later);
      await loadConfigDir(dir, { serviceFiles: cache });
      assert.equal(cache.size, 2);
      unlinkSync(join(dir, 'services', 'b.toml'));
      const after = await loadConfigDir(dir, { serviceFiles: cache });
      assert.deepEqual([...after.services.keys()], ['a']);
      assert.equal(cache.size, 1);
    });
  });

  test('a listing like the last one takes its unit order again; a different one is sorted', () => {
    const cache = new ServiceFileCache(later);
    const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const first = cache.unitOrder(['b.toml', 'c.toml', 'a.toml'], compare);
    assert.deepEqual(first, ['a.toml', 'b.toml', 'c.toml']);
    assert.equal(cache.unitOrder(['b.toml', 'c.toml', 'a.toml'], () => assert.fail('no sort for the same listing')), first);
    assert.deepEqual(cache.unitOrder(['b.toml', 'd.toml', 'a.toml'], compare), ['a.toml', 'b.toml', 'd.toml']);
    assert.deepEqual(cache.unitOrder(['b.toml', 'a.toml'], compare), ['a.toml', 'b.toml']);
  });

  test('settle trusts a file read too soon after its change once the change is old enough and the text is what was parsed', async () => {
    await withDir(async (dir, write) => {
      write('a', 'exec = ["/bin/sleep", "1"]\n');
      write('b', 'exec = ["/bin/sleep", "2"]\n');
      const path = (name: string) => join(dir, 'services', `${name}.toml`);
      const changed = statSync(path('a')).mtimeMs;
      let now = changed + 1000; // read one second after the files were written
      const cache = new ServiceFileCache(() => now);
      const result = { errors: [], warnings: [] } as unknown as ServiceFileResult;
      let load = await cache.load(join(dir, 'services'), {});
      for (const name of ['a', 'b']) load.parsed(`${name}.toml`, statSync(path(name)), true, readFileSync(path(name), 'utf8'), () => result);
      load.end();
      assert.equal(cache.unsettled, true);
      assert.equal(await cache.settle(), 0, 'still within the racy window');

      // b is written again: same size, and its old times put back, as a write in the same clock tick would leave them.
      const old = statSync(path('b'));
      write('b', 'exec = ["/bin/sleep", "3"]\n');
      utimesSync(path('b'), old.atime, old.mtime);
      now = Date.now() + 10_000;
      assert.equal(await cache.settle(), 1, 'a is trusted; b changed since it was read (its ctime says so)');
      load = await cache.load(join(dir, 'services'), {});
      assert.equal(load.unchanged('a.toml', statSync(path('a')), true), result, 'a is not read again');
      assert.equal(load.unchanged('b.toml', statSync(path('b')), true), undefined, 'b is read again');
      load.end();
    });
  });
});

/** A watch that reports what the test tells it: `changed` paths since the last sync, or `all`. */
class FakeWatch implements ChangeWatch {
  seq = 0;
  trustedFrom = 1;
  changedAt = new Map<string, number>();
  /** What the next sync takes in: names changed, changes it could not list, or no watch at all. */
  next: { changed?: string[]; all?: boolean; down?: boolean } = {};
  linkedElsewhere = false;
  async sync(): Promise<number> {
    const next = this.next;
    this.next = {};
    if (next.down) return 0;
    this.seq++;
    if (next.all) this.trustedFrom = this.seq;
    for (const name of next.changed ?? []) this.changedAt.set(name, this.seq);
    return this.seq;
  }
  changedSince(name: string, stamp: number): boolean {
    return stamp < this.trustedFrom || (this.changedAt.get(name) ?? 0) > stamp;
  }
  changedNamesSince(stamp: number): string[] | undefined {
    if (stamp < this.trustedFrom) return undefined;
    return [...this.changedAt].filter(([, seq]) => seq > stamp).map(([name]) => name);
  }
  covers(stats: Stats): boolean {
    return stats.nlink === 1 && !this.linkedElsewhere;
  }
  stop(): void {}
}

/** a and b, written long ago, loaded once through a cache with a fake watch. */
async function twoFilesWatched(dir: string, write: (name: string, text: string, when?: Date) => void) {
  write('a', 'exec = ["/bin/sleep", "1"]\n', new Date(2020, 0, 1));
  write('b', 'exec = ["/bin/sleep", "2"]\n', new Date(2020, 0, 1));
  const watch = new FakeWatch();
  const cache = new ServiceFileCache(later, watch);
  return { watch, cache, first: await loadConfigDir(dir, { serviceFiles: cache }) };
}

describe('ServiceFileCache with a watch on the dir', () => {
  // Each test changes a file so that only a stat(2) could tell (the same size, the times put back, a new ctime):
  // the watch's word alone decides whether it is looked at.
  const rewrite = (path: string, text: string) => {
    const old = statSync(path);
    writeFileSync(path, text);
    utimesSync(path, old.atime, old.mtime);
  };

  test('a file the watch saw no change of is taken as it was, without a stat; one it reports is read again', async () => {
    await withDir(async (dir, write) => {
      const { watch, cache, first } = await twoFilesWatched(dir, write);
      const a = join(dir, 'services', 'a.toml');
      const b = join(dir, 'services', 'b.toml');
      rewrite(a, 'exec = ["/bin/sleep", "3"]\n');
      rewrite(b, 'exec = ["/bin/sleep", "4"]\n');
      watch.next = { changed: ['b.toml'] };
      const second = await loadConfigDir(dir, { serviceFiles: cache });
      assert.equal(second.services.get('a'), first.services.get('a'), 'not looked at: the watch vouched for it');
      assert.deepEqual(second.services.get('b')!.exec, ['/bin/sleep', '4'], 'reported, so looked at and read');
    });
  });

  test('after changes the watch could not list, or without the watch, every file is looked at again', async () => {
    await withDir(async (dir, write) => {
      write('a', 'exec = ["/bin/sleep", "1"]\n', new Date(2020, 0, 1));
      const a = join(dir, 'services', 'a.toml');
      for (const next of [{ all: true }, { down: true }]) {
        const watch = new FakeWatch();
        const cache = new ServiceFileCache(later, watch);
        await loadConfigDir(dir, { serviceFiles: cache });
        rewrite(a, `exec = ["/bin/sleep", "${JSON.stringify(next).length}"]\n`);
        watch.next = next;
        const after = await loadConfigDir(dir, { serviceFiles: cache });
        assert.deepEqual(after.services.get('a')!.exec, ['/bin/sleep', String(JSON.stringify(next).length)], JSON.stringify(next));
      }
    });
  });

  test('the watch does not vouch for symlinks or files it does not cover (more than one link)', async () => {
    await withDir(async (dir, write) => {
      write('target', 'exec = ["/bin/sleep", "1"]\n', new Date(2020, 0, 1));
      const elsewhere = join(dir, 'elsewhere.toml');
      writeFileSync(elsewhere, 'exec = ["/bin/sleep", "1"]\n');
      symlinkSync(elsewhere, join(dir, 'services', 'link.toml'));
      const watch = new FakeWatch();
      watch.linkedElsewhere = true;
      const cache = new ServiceFileCache(later, watch);
      await loadConfigDir(dir, { serviceFiles: cache });
      rewrite(elsewhere, 'exec = ["/bin/sleep", "2"]\n');
      rewrite(join(dir, 'services', 'target.toml'), 'exec = ["/bin/sleep", "3"]\n');
      const after = await loadConfigDir(dir, { serviceFiles: cache });
      assert.deepEqual(after.services.get('link')!.exec, ['/bin/sleep', '2'], 'the symlink is stat()ed');
      assert.deepEqual(after.services.get('target')!.exec, ['/bin/sleep', '3'], 'the uncovered file is stat()ed');
    });
  });
});

describe('ServiceFileCache starting from the last load', () => {
  test('a load looks only at what the watch names: a file it did not report is neither listed nor read; reported ones come, change and go', async () => {
    await withDir(async (dir, write) => {
      const { watch, cache, first } = await twoFilesWatched(dir, write);
      // Behind the watch's back (it would see both): the dir is not listed again, so c does not show.
      write('c', 'exec = ["/bin/sleep", "3"]\n');
      const second = await loadConfigDir(dir, { serviceFiles: cache });
      assert.deepEqual([...second.services.keys()], ['a', 'b'], 'c was not reported: the last listing stands');
      assert.equal(second.services.get('a'), first.services.get('a'));
      watch.next = { changed: ['c.toml', 'b.toml', 'notes.txt'] };
      unlinkSync(join(dir, 'services', 'b.toml'));
      writeFileSync(join(dir, 'services', 'notes.txt'), 'x');
      const third = await loadConfigDir(dir, { serviceFiles: cache });
      assert.deepEqual([...third.services.keys()], ['a', 'c']);
      assert.equal(third.services.get('a'), first.services.get('a'), 'a was not looked at');
      assert.match(third.warnings.map(String).join('\n'), /services\/notes\.txt.*ignored/, 'a new stray is named');
    });
  });

  test('after any series of changes the watch reports, a load gives what a load without the cache gives', async () => {
    const random = seededRandom(20261205);
    await withDir(async (dir) => {
      const watch = new FakeWatch();
      const cache = new ServiceFileCache(later, watch);
      const steps: string[] = [];
      for (let step = 0; step < 300; step++) {
        const { what, changed } = churnServicesDir(dir, random);
        steps.push(what);
        // Now and then the watch breaks, or cannot list what changed.
        const fault = random() < 0.05 ? (random() < 0.5 ? { all: true } : { down: true }) : {};
        watch.next = { ...fault, changed };
        const cached = loadSummary(await loadConfigDir(dir, { serviceFiles: cache }));
        assert.deepEqual(cached, loadSummary(await loadConfigDir(dir)), `after: ${steps.slice(-8).join('; ')}`);
      }
    });
  });
});
