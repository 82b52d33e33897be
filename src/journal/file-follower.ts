/**
 * `hearth logs -f` without hearthd: follows a log dir by reading what was
 * appended to each service's current file, like `tail -F`. A rotation
 * (NAME.log renamed to NAME.log.1) is noticed by the inode: the rest of the
 * old file is read first, then the new one from its start, so no record is
 * lost or doubled across it.
 */
import { closeSync, fstatSync, lstatSync, openSync, readSync, constants } from 'node:fs';
import { toLogRecord, type ParsedLine } from './format.js';
import type { FilePosition } from './file-reader.js';
import { LineMatcher } from './line-matcher.js';
import { logFilePath, scanLogDir } from './log-files.js';
import type { LogQuery, LogRecord } from './types.js';

const LF = 0x0a;
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/** Read at most this much of one file per poll; the rest comes on the next. */
const MAX_READ = 4 * 1024 * 1024;

export class JournalFileFollower {
  private readonly positions = new Map<string, FilePosition>();
  private readonly matcher: LineMatcher;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly q: LogQuery,
    private readonly onRecord: (r: LogRecord) => void,
  ) {
    this.matcher = new LineMatcher(q);
  }

  /**
   * Where each service's current file ends now: records up to here are the
   * backlog (read it with readJournal(dir, q, upTo)), everything after is
   * handed out by poll().
   */
  snapshot(): Map<string, FilePosition | null> {
    const out = new Map<string, FilePosition | null>();
    for (const service of this.services()) {
      const st = statOf(logFilePath(this.dir, service));
      out.set(service, st);
      if (st) this.positions.set(service, { ...st });
    }
    return out;
  }

  /** Polls every intervalMs until stop(). */
  start(intervalMs = 250): void {
    this.timer ??= setInterval(() => this.poll(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Hands out every matching record appended since the last call, in time order. */
  poll(): void {
    const found: LogRecord[] = [];
    for (const service of this.services()) {
      for (const line of this.newLines(service)) found.push(toLogRecord(service, line));
    }
    found.sort((a, b) => a.ts - b.ts);
    for (const r of found) this.onRecord(r);
  }

  private services(): string[] {
    const names = this.q.names;
    return names && names.length > 0 ? names.filter((n) => !n.includes('/')) : [...scanLogDir(this.dir).keys()];
  }

  private newLines(service: string): ParsedLine[] {
    const out: ParsedLine[] = [];
    const current = statOf(logFilePath(this.dir, service));
    const at = this.positions.get(service);
    if (!current) return out;
    if (at && at.ino !== current.ino) {
      // Rotated (maybe several times): finish the old file wherever it went,
      // then every file rotated after it, oldest first. When the old one is
      // gone already, every rotated file left is newer than what was read.
      const rotated = (scanLogDir(this.dir).get(service) ?? []).filter((e) => e.index > 0);
      const files = rotated.map((e) => ({ path: e.path, st: statOf(e.path) }));
      const oldAt = files.findIndex((f) => f.st?.ino === at.ino);
      const newer = oldAt >= 0 ? files.slice(0, oldAt) : files;
      if (oldAt >= 0) this.readFrom(files[oldAt]!.path, at, out);
      for (const f of newer.reverse()) if (f.st) this.readFrom(f.path, { ino: f.st.ino, size: 0 }, out);
    }
    const pos = at && at.ino === current.ino ? at : { ino: current.ino, size: 0 };
    this.readFrom(logFilePath(this.dir, service), pos, out);
    this.positions.set(service, pos);
    return out;
  }

  /** Reads whole lines from pos.size on and advances pos past them. */
  private readFrom(path: string, pos: FilePosition, out: ParsedLine[]): void {
    let fd: number;
    try {
      fd = openSync(path, READ_FLAGS);
    } catch {
      return;
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.ino !== pos.ino) return;
      // A file that shrank was replaced in place (copied over): start it again.
      if (st.size < pos.size) pos.size = 0;
      const want = Math.min(st.size - pos.size, MAX_READ);
      if (want <= 0) return;
      const buf = Buffer.allocUnsafe(want);
      const n = readSync(fd, buf, 0, want, pos.size);
      const end = buf.lastIndexOf(LF, n - 1) + 1;
      if (end <= 0) return;
      this.matcher.scan(buf, 0, end, (l) => out.push(l));
      pos.size += end;
    } finally {
      closeSync(fd);
    }
  }
}

function statOf(path: string): FilePosition | null {
  try {
    const st = lstatSync(path);
    return st.isFile() ? { ino: st.ino, size: st.size } : null;
  } catch {
    return null;
  }
}
