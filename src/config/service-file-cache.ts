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
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { ServiceFileResult } from './service-file.js';

/** Longer than the coarsest timestamp granularity of the file systems a config dir lives on (FAT's two seconds). */
export const RACY_MS = 3000;

/** What says a file is unchanged (kept as numbers: a reload of 10,000 files compares them without making strings). */
type Identity = Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>;

interface Entry {
  identity: Identity;
  /** The last load that met the file (see `end`). */
  metBy: number;
  /** Whether the file had not changed for RACY_MS when it was read, so its times can be trusted. */
  settled: boolean;
  digest: string;
  /** The parse settings the file was parsed with (see `load`). */
  settings: string;
  result: ServiceFileResult;
}

/** One load's use of the cache. */
export interface ServiceFileLoad {
  /** The last parse of `path` if its file is unchanged since; undefined when the file must be read. */
  unchanged(path: string, stats: Stats): ServiceFileResult | undefined;
  /** The file was read (`stats` taken before): the last parse if the text is the same, else `parse()`'s. Either is kept for the next load. */
  parsed(path: string, stats: Stats, text: string, parse: () => ServiceFileResult): ServiceFileResult;
  /** The load is over: files it did not meet are gone from the dir and forgotten, so the cache never outgrows it. */
  end(): void;
}

export class ServiceFileCache {
  private entries = new Map<string, Entry>();
  private loads = 0;
  private lastSettings = '';

  /** `now` is the clock the racy check compares file times with (ms since the epoch). */
  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Starts a load. The parse depends on settings beyond the file (hearth.toml's
   * log defaults, the limits this host can enforce): an entry parsed with other
   * settings is not used. Each entry is checked on its own, so loads that
   * overlap (a reload and a `hearth check`) can only miss, never mislead.
   */
  load(parseSettings: unknown): ServiceFileLoad {
    const asText = JSON.stringify(parseSettings);
    // The same settings as last time: the same string, so each entry's check is a pointer comparison.
    const settings = asText === this.lastSettings ? this.lastSettings : (this.lastSettings = asText);
    const load = ++this.loads;
    // Taken before any file is looked at, so before each is read: the racy check
    // is then, if anything, stricter than with each file's own time, and a load
    // of 10,000 files neither asks the clock nor keeps a map of them.
    const startedAt = this.now();
    const usable = (entry: Entry | undefined) => (entry?.settings === settings ? entry : undefined);
    return {
      unchanged: (path, stats) => {
        const entry = usable(this.entries.get(path));
        if (!entry?.settled || !sameIdentity(entry.identity, stats)) return undefined;
        entry.metBy = load;
        return entry.result;
      },
      parsed: (path, stats, text, parse) => {
        const digest = createHash('sha256').update(text).digest('base64');
        const entry = usable(this.entries.get(path));
        const result = entry?.digest === digest ? entry.result : parse();
        const settled = Math.max(stats.mtimeMs, stats.ctimeMs) <= startedAt - RACY_MS;
        this.entries.set(path, { identity: identityOf(stats), metBy: load, settled, digest, settings, result });
        return result;
      },
      end: () => {
        // A file this load did not meet is gone from the dir (or was met only by a
        // later load that overlapped this one: forgetting it costs that file a read).
        // forEach: a for-of over the map makes a [path, entry] pair per file.
        this.entries.forEach((entry, path) => entry.metBy !== load && this.entries.delete(path));
      },
    };
  }

  /** Whether some file is not yet trusted by its times (see settle). */
  get unsettled(): boolean {
    for (const entry of this.entries.values()) if (!entry.settled) return true;
    return false;
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
    for (const [path, entry] of [...this.entries]) {
      if (entry.settled) continue;
      try {
        const now = await stat(path);
        if (!sameIdentity(entry.identity, now) || Math.max(now.mtimeMs, now.ctimeMs) > this.now() - RACY_MS) continue;
        const digest = createHash('sha256').update(await readFile(path, 'utf8')).digest('base64');
        // A load that ran meanwhile has its own word on the file.
        if (digest !== entry.digest || this.entries.get(path) !== entry) continue;
        this.entries.set(path, { ...entry, identity: identityOf(now), settled: true });
        trusted++;
      } catch {
        // Gone or unreadable: the next load says so.
      }
    }
    return trusted;
  }

  get size(): number {
    return this.entries.size;
  }
}

function identityOf(stats: Stats): Identity {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs };
}

function sameIdentity(a: Identity, b: Stats): boolean {
  return a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.size === b.size && a.dev === b.dev;
}
