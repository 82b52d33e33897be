/**
 * The watch hearthd keeps on CONFIG_DIR/services, so that a reload looks
 * only at the files that changed (ServiceFileCache's ChangeWatch). It vouches
 * for a file only where inotify sees every change of it, and otherwise says
 * "may have changed", which costs a stat(2):
 * - the dir must be on a local file system (inotify sees no change made by
 *   another NFS client, nor most FUSE file systems' own), and still be the dir
 *   the watch was set on (not replaced, nothing mounted over it);
 * - the file must be a regular file with one link (a change made through
 *   another link is reported to that link's dir) and not a mount point (a file
 *   bind-mounted into a container changes through the host's path);
 * - the watch must have run without a break since the file was looked at: an
 *   overflow of the kernel's queue, or the helper's end, breaks it.
 * A file made a hard link after it was last looked at, then changed through
 * the new link, is the one case it cannot see: inotify reports a new link to
 * the file itself, not to its dir.
 */
import { readFileSync, realpathSync, statfsSync, statSync, type Stats } from 'node:fs';
import { DirWatchHelper, type WatchedDir } from '../native/index.js';
import type { ChangeWatch } from '../config/index.js';

/**
 * File systems whose every change inotify sees (statfs f_type): ext2/3/4, XFS,
 * Btrfs, tmpfs, ramfs, F2FS, overlayfs (a container's root), ZFS, bcachefs,
 * JFS, ReiserFS.
 */
const LOCAL_FILE_SYSTEMS = new Set([0xef53, 0x58465342, 0x9123683e, 0x01021994, 0x858458f6, 0xf2f52010, 0x794c7630, 0x2fc12fc1, 0xca451a4e, 0x3153464a, 0x52654973]);

/** After a failed start, how long before the watch is tried again (each load until then looks at every file). */
const RETRY_MS = 60_000;

/** Changed names remembered before the watch starts over (a load then stats every file once). */
const MAX_REMEMBERED = 100_000;

export class ServiceDirWatch implements ChangeWatch {
  private helper: DirWatchHelper | undefined;
  private watched: WatchedDir | undefined;
  private retryAt = 0;
  private warned = false;
  /** The number of the last sync taken in. */
  private seq = 0;
  /** Files looked at before this sync cannot be vouched for: the watch was not running without a break since. */
  private trustedFrom = Number.POSITIVE_INFINITY;
  /** Per file name: the sync that last reported it changed. */
  private readonly changedAt = new Map<string, number>();
  /** Names of the dir's entries that something is mounted on. */
  private mounted = new Set<string>();
  private realDir = '';

  constructor(
    private readonly dir: string,
    private readonly warn: (message: string) => void,
    private readonly startHelper: (dir: string) => Promise<DirWatchHelper> = (dir) => DirWatchHelper.start(dir),
  ) {}

  async sync(): Promise<number> {
    const helper = this.helper ?? (await this.start());
    if (!helper || !this.stillTheDir()) return this.restart();
    let changes;
    try {
      changes = await helper.sync();
    } catch (e) {
      this.warnOnce(`the watch on "${this.dir}" stopped (${(e as Error).message}); it is started again at the next reload`);
      return this.restart();
    }
    // The helper may have been replaced while this sync was out.
    if (helper !== this.helper || changes.kind === 'lost') return this.restart();
    this.seq++;
    if (this.trustedFrom === Number.POSITIVE_INFINITY || changes.kind === 'all' || this.changedAt.size > MAX_REMEMBERED) {
      // The first sync of a new helper, or changes it could not list: what was looked at before is looked at again.
      this.trustedFrom = this.seq;
      this.changedAt.clear();
    } else {
      for (const name of changes.names) this.changedAt.set(name, this.seq);
    }
    this.mounted = mountPointsIn(this.realDir);
    return this.seq;
  }

  changedSince(name: string, stamp: number): boolean {
    return stamp < this.trustedFrom || (this.changedAt.get(name) ?? 0) > stamp || (this.mounted.size > 0 && this.mounted.has(name));
  }

  changedNamesSince(stamp: number): string[] | undefined {
    if (stamp < this.trustedFrom) return undefined;
    const names = [...this.mounted];
    this.changedAt.forEach((seq, name) => seq > stamp && names.push(name));
    return names;
  }

  covers(stats: Stats): boolean {
    return stats.nlink === 1 && stats.dev === this.watched?.dev;
  }

  stop(): void {
    this.helper?.stop();
    this.helper = undefined;
    this.retryAt = Number.POSITIVE_INFINITY;
  }

  private async start(): Promise<DirWatchHelper | undefined> {
    if (Date.now() < this.retryAt) return undefined;
    this.retryAt = Date.now() + RETRY_MS;
    try {
      this.realDir = realpathSync(this.dir);
      const type = statfsSync(this.realDir).type;
      // Not a failure: this dir's changes are found by looking at every file, as without a watch.
      if (!LOCAL_FILE_SYSTEMS.has(type)) return undefined;
    } catch {
      // No services dir (yet): every load looks for it.
      this.retryAt = 0;
      return undefined;
    }
    try {
      const helper = await this.startHelper(this.realDir);
      this.helper = helper;
      this.watched = helper.dir;
      this.trustedFrom = Number.POSITIVE_INFINITY;
      this.retryAt = 0;
      return helper;
    } catch (e) {
      // Not built: hearth doctor names the missing helper; nothing to say at each reload.
      if (!/not built/.test((e as Error).message)) this.warnOnce(`reloads look at every service file: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** The dir hearthd reads is the one the watch was set on (not replaced or mounted over since). */
  private stillTheDir(): boolean {
    try {
      const now = statSync(this.dir);
      return now.dev === this.watched?.dev && now.ino === this.watched.ino;
    } catch {
      return false;
    }
  }

  /** Nothing can be vouched for at this load; the next one starts a new watch. */
  private restart(): number {
    this.helper?.stop();
    this.helper = undefined;
    this.watched = undefined;
    this.trustedFrom = Number.POSITIVE_INFINITY;
    this.changedAt.clear();
    return 0;
  }

  private warnOnce(message: string): void {
    if (this.warned) return;
    this.warned = true;
    this.warn(message);
  }
}

/** Names of the entries of `dir` that something is mounted on (/proc/self/mountinfo's fifth field, octal escapes undone). */
export function mountPointsIn(dir: string, mountinfo = readMountinfo()): Set<string> {
  const found = new Set<string>();
  const prefix = `${dir}/`;
  // Most hosts mount nothing in a config dir: one search of the text says so.
  if (!mountinfo.includes(prefix.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`))) return found;
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    const point = field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    if (point.startsWith(prefix) && !point.slice(prefix.length).includes('/')) found.add(point.slice(prefix.length));
  }
  return found;
}

function readMountinfo(): string {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return '';
  }
}
