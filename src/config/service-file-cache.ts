/**
 * What the service files of a config dir parsed to at the last load, so a
 * reload parses only the files that changed: at 10,000 services, reading and
 * parsing every file was most of a one-file reload's cost, and every
 * unchanged definition is then the very object the supervisor holds, which it
 * recognises without comparing settings.
 *
 * A file is not even read again when its inode, size, modification and change
 * times are what they were when it was read. File system clocks are coarse (a
 * tick of the kernel's clock, a second or two on some file systems), so a file
 * written twice within one tick, once before and once after it was read, would
 * keep all four. As git does for its index, a file that changed shortly before
 * it was read is not trusted by its times: it is read again at the next load,
 * and its last parse is used only if the text is the same (a config written
 * just before hearthd started, as containers do, costs the first reload its
 * reads but not its parses).
 *
 * With a watch on the dir (hearthd's, src/daemon/service-dir-watch.ts), a
 * file the watch saw no change of since it was last looked at is not even
 * stat(2)ed: at 10,000 services, those stats were most of what a one-file
 * reload still cost. And when the watch can name everything that changed since
 * the last load, a load starts from that load's listing and results and looks
 * at those names alone: no readdir, no walk over every file, so a one-file
 * reload costs about as much at 10,000 services as at 100.
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, readFile, stat } from 'node:fs/promises';
import type { ServiceFileResult } from './service-file.js';

/** Longer than the coarsest timestamp granularity of the file systems a config dir lives on (FAT's two seconds). */
export const RACY_MS = 3000;

/** What says a file is unchanged (kept as numbers: a reload of 10,000 files compares them without making strings). */
type Identity = Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>;

/**
 * A watch on the dir the files are in, which says which files may have
 * changed. Its sequence numbers stamp each look at a file: a later load
 * trusts a file looked at under stamp N if the watch has seen no change of
 * it since sync N.
 */
export interface ChangeWatch {
  /** Takes in every change made before the call. Returns the stamp for files looked at from now on, or 0 when the watch cannot be trusted now. */
  sync(): Promise<number>;
  /** Whether the file `name` (in the watched dir) may have changed since a look stamped `stamp`. */
  changedSince(name: string, stamp: number): boolean;
  /** Whether the watch sees every change of a regular file with these stats (one link, on the watched file system). */
  covers(stats: Stats): boolean;
  /**
   * Every name in the dir that may have changed since the sync that returned
   * `stamp` (reported by the watch, or one it cannot vouch for), or undefined
   * when it cannot list them (it has not run without a break since).
   */
  changedNamesSince(stamp: number): string[] | undefined;
  stop(): void;
}

/** More names than this to look at again: a load walks every file, which is then cheaper than finding each. */
const MAX_LOOKED_AGAIN = 256;

/** The last load that ended, which the next one may start from (see ServiceFileLoad.entries and carried). */
interface LastLoad {
  /** Its number, the watch's stamp and the parse settings it ran under: only the very next load, under the same settings, starts from it. */
  load: number;
  stamp: number;
  settings: string;
  /** The dir's entries as it found them, its service files in unit order, and what each gave. */
  entries: readonly string[];
  files: readonly string[];
  results: readonly ServiceFileResult[];
  /** Its files the watch cannot vouch for (symlinks, files with other links, files it could not read): every load looks at them. */
  unvouched: readonly string[];
}

/** What a load ends with, kept for the next one to start from. */
export interface ServiceFileLoadResult {
  /** The dir's entries, as `entries` gave them. */
  entries: readonly string[];
  /** The service files in unit order, as `unitOrder` gave them, and what each gave. */
  files: readonly string[];
  results: readonly ServiceFileResult[];
}

interface Entry {
  identity: Identity;
  /** The watch's stamp when the file was last looked at; 0 when the watch cannot vouch for it (then its identity is checked). */
  seenAt: number;
  /** The last load that met the file (see `end`). */
  metBy: number;
  /** Whether the file had not changed for RACY_MS when it was read, so its times can be trusted. */
  settled: boolean;
  digest: string;
  /** The parse settings the file was parsed with (see `load`). */
  settings: string;
  result: ServiceFileResult;
}

/** One load's use of the cache; each file is named as in the dir (`web.toml`). */
export interface ServiceFileLoad {
  /** The last parse of the file if the watch saw no change of it since it was last looked at; undefined when it must be stat(2)ed. */
  watched(name: string): ServiceFileResult | undefined;
  /**
   * The last parse of the file if it is unchanged since; undefined when it must be read.
   * `regular`: a regular file, not a symlink (the watch can vouch only for those).
   */
  unchanged(name: string, stats: Stats, regular: boolean): ServiceFileResult | undefined;
  /** The file was read (`stats` taken before): the last parse if the text is the same, else `parse()`'s. Either is kept for the next load. */
  parsed(name: string, stats: Stats, regular: boolean, text: string, parse: () => ServiceFileResult): ServiceFileResult;
  /**
   * The dir's entries: the last load's, updated by a look at each name the
   * watch reported since, when it can name them all; otherwise `read()`'s.
   */
  entries(read: () => Promise<string[]>): Promise<readonly string[]>;
  /** The cache's unitOrder: the files in unit order, the last load's very array when the listing is the same. */
  unitOrder(listing: readonly string[], compare: (a: string, b: string) => number): readonly string[];
  /**
   * When `files` are the last load's (the same array unitOrder gave it) and
   * the watch can name every file that may have changed since: that load's
   * results, in the same order, and the files to look at again. Every other
   * file gave what it gave then.
   */
  carried(files: readonly string[]): { results: readonly ServiceFileResult[]; lookAgain: ReadonlySet<string> } | undefined;
  /**
   * The load is over: files it did not meet are gone from the dir and
   * forgotten, so the cache never outgrows it. With what it found, the next
   * load may start from it.
   */
  end(found?: ServiceFileLoadResult): void;
}

/**
 * The files of one dir, by name (a cache asked to load another dir forgets
 * the first: hearthd keeps one per config dir). Names, not paths: a reload of
 * 10,000 files then makes no path for a file it does not look at.
 */
export class ServiceFileCache {
  private entries = new Map<string, Entry>();
  private dir = '';
  private loads = 0;
  private lastSettings = '';
  /** Whether a load kept a file not yet trusted by its times (cleared by settle when none is left). */
  private anyUnsettled = false;
  /** The last listing of the dir, and its files in unit order (see unitOrder). */
  private lastListing: readonly string[] = [];
  private lastOrder: readonly string[] = [];
  private last: LastLoad | undefined;

  /** `now` is the clock the racy check compares file times with (ms since the epoch). */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly watch?: ChangeWatch,
  ) {}

  /**
   * Starts a load. The parse depends on settings beyond the file (hearth.toml's
   * log defaults, the limits this host can enforce): an entry parsed with other
   * settings is not used. Each entry is checked on its own, so loads that
   * overlap (a reload and a `hearth check`) can only miss, never mislead.
   */
  async load(dir: string, parseSettings: unknown): Promise<ServiceFileLoad> {
    if (dir !== this.dir) {
      this.entries.clear();
      this.lastListing = this.lastOrder = [];
      this.last = undefined;
      this.dir = dir;
    }
    // Before anything is looked at: every file looked at in this load is looked at after the watch took in the changes made so far.
    const stamp = this.watch ? await this.watch.sync() : 0;
    const stampFor = (stats: Stats, regular: boolean) => (stamp > 0 && regular && this.watch!.covers(stats) ? stamp : 0);
    const asText = JSON.stringify(parseSettings);
    // The same settings as last time: the same string, so each entry's check is a pointer comparison.
    const settings = asText === this.lastSettings ? this.lastSettings : (this.lastSettings = asText);
    const load = ++this.loads;
    // Taken before any file is looked at, so before each is read: the racy check
    // is then, if anything, stricter than with each file's own time, and a load
    // of 10,000 files neither asks the clock nor keeps a map of them.
    const startedAt = this.now();
    const usable = (entry: Entry | undefined) => (entry?.settings === settings ? entry : undefined);
    const lookAgain = this.lookAgain(load, stamp, settings);
    const last = this.last;
    let carried = false;
    return {
      unitOrder: (listing, compare) => this.unitOrder(listing, compare),
      entries: async (read) => (lookAgain && last ? ((await entriesNow(dir, last.entries, lookAgain)) ?? read()) : read()),
      carried: (files) => {
        if (!lookAgain || files !== last?.files) return undefined;
        carried = true;
        return { results: last.results, lookAgain };
      },
      watched: (name) => {
        if (stamp === 0) return undefined;
        const entry = usable(this.entries.get(name));
        if (!entry || entry.seenAt === 0 || this.watch!.changedSince(name, entry.seenAt)) return undefined;
        entry.metBy = load;
        return entry.result;
      },
      unchanged: (name, stats, regular) => {
        const entry = usable(this.entries.get(name));
        if (!entry?.settled || !sameIdentity(entry.identity, stats)) return undefined;
        entry.metBy = load;
        entry.seenAt = stampFor(stats, regular);
        return entry.result;
      },
      parsed: (name, stats, regular, text, parse) => {
        const digest = createHash('sha256').update(text).digest('base64');
        const entry = usable(this.entries.get(name));
        const result = entry?.digest === digest ? entry.result : parse();
        const settled = Math.max(stats.mtimeMs, stats.ctimeMs) <= startedAt - RACY_MS;
        if (!settled) this.anyUnsettled = true;
        this.entries.set(name, { identity: identityOf(stats), seenAt: stampFor(stats, regular), metBy: load, settled, digest, settings, result });
        return result;
      },
      end: (found) => {
        // A file this load did not meet is gone from the dir (or was met only by a
        // later load that overlapped this one: forgetting it costs that file a read).
        // forEach: a for-of over the map makes a [name, entry] pair per file.
        // A load that carried the last one's results met only what changed, and its files are the last load's.
        if (!carried) this.entries.forEach((entry, name) => entry.metBy !== load && this.entries.delete(name));
        if (!found || stamp === 0 || (this.last && this.last.load > load)) return;
        const vouchedFor = (name: string) => (usable(this.entries.get(name))?.seenAt ?? 0) > 0;
        // Carried: only the files looked at again can have become (or stopped being) unvouched.
        const candidates = carried && lookAgain ? [...lookAgain].filter((name) => found.files.includes(name)) : found.files;
        this.last = { load, stamp, settings, ...found, unvouched: candidates.filter((name) => !vouchedFor(name)) };
      },
    };
  }

  /**
   * The names a load numbered `load` must look at again when it starts from
   * the last load, or undefined when it cannot start from it: another load
   * ran since (or still runs), the settings changed, the watch cannot name
   * every change, or there are too many.
   */
  private lookAgain(load: number, stamp: number, settings: string): ReadonlySet<string> | undefined {
    const last = this.last;
    if (stamp === 0 || !last || last.load !== load - 1 || last.settings !== settings) return undefined;
    const changed = this.watch!.changedNamesSince(last.stamp);
    if (!changed || changed.length + last.unvouched.length > MAX_LOOKED_AGAIN) return undefined;
    return new Set([...changed, ...last.unvouched]);
  }

  /**
   * The dir's files in unit order. A reload nearly always lists the very files
   * of the last load, in the same order: then that load's order is taken again
   * instead of sorting (at 10,000 files the sort was about 4 ms of a 30 ms
   * reload). `listing` is kept, and must not change afterwards.
   */
  unitOrder(listing: readonly string[], compare: (a: string, b: string) => number): readonly string[] {
    if (!sameList(listing, this.lastListing)) {
      this.lastListing = listing;
      this.lastOrder = [...listing].sort(compare);
    }
    return this.lastOrder;
  }

  /** Whether some file may not yet be trusted by its times (see settle). */
  get unsettled(): boolean {
    return this.anyUnsettled;
  }

  /**
   * Checks the files not yet trusted by their times, once their last change
   * is RACY_MS in the past: a file whose times are still those it was read
   * with and whose text is still what was parsed is trusted from then on, as
   * if it had been read now. Any later change gets a later time, which the
   * next load sees. Run in the background after a load, so the first reload
   * after a boot whose config was written just before it (a container's)
   * does not read every file again. Returns how many files it trusted.
   */
  async settle(): Promise<number> {
    let trusted = 0;
    const dir = this.dir;
    for (const [name, entry] of [...this.entries]) {
      if (entry.settled) continue;
      const path = `${dir}/${name}`;
      try {
        const now = await stat(path);
        if (!sameIdentity(entry.identity, now) || Math.max(now.mtimeMs, now.ctimeMs) > this.now() - RACY_MS) continue;
        const digest = createHash('sha256').update(await readFile(path, 'utf8')).digest('base64');
        // A load that ran meanwhile has its own word on the file.
        if (digest !== entry.digest || this.entries.get(name) !== entry || this.dir !== dir) continue;
        this.entries.set(name, { ...entry, identity: identityOf(now), settled: true });
        trusted++;
      } catch {
        // Gone or unreadable: the next load says so.
      }
    }
    // Once per settle, not per load: whether any file (this pass left, or a load met meanwhile) still waits.
    let left = false;
    this.entries.forEach((entry) => (left ||= !entry.settled));
    this.anyUnsettled = left;
    return trusted;
  }

  /** Ends the watch, if there is one. */
  stop(): void {
    this.watch?.stop();
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The dir's entries now: `before` with each name of `lookAgain` added or
 * removed as it is there or not. Undefined when a name cannot be looked up
 * (the caller then reads the dir). `before` itself when nothing came or went.
 */
async function entriesNow(dir: string, before: readonly string[], lookAgain: ReadonlySet<string>): Promise<readonly string[] | undefined> {
  let entries = before;
  for (const name of lookAgain) {
    let present: boolean;
    try {
      await lstat(`${dir}/${name}`);
      present = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
      present = false;
    }
    if (present !== entries.includes(name)) entries = present ? [...entries, name] : entries.filter((e) => e !== name);
  }
  return entries;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function identityOf(stats: Stats): Identity {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs };
}

function sameIdentity(a: Identity, b: Stats): boolean {
  return a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.size === b.size && a.dev === b.dev;
}
