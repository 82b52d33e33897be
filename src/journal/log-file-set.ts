import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { encodeRecord, readTs, type RawRecord } from './format.js';
import { logFilePath } from './log-files.js';
import { currentNofileSoft } from '../process/fd-limit.js';
import type { BatchSeal } from './spool-position.js';
import type { RotationSettings } from './types.js';

const LF = 0x0a;
/** How much of an existing file's tail to read to learn its last timestamp. */
const TAIL_PROBE = 64 * 1024;
/**
 * Append, create 0640, and never through a symlink: a link planted as NAME.log
 * must not turn root's writes into writes to whatever it points at.
 */
const OPEN_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Log files open at once: 256, or an eighth of hearthd's descriptor limit if
 * that is less (the holds on services' pipes take up to half, see OutputFifos).
 */
let maxOpenLogFiles: number | undefined;
/** Every set with its file open, least recently written first (a Set keeps insertion order). */
const openSets = new Set<LogFileSet>();

function touched(set: LogFileSet): void {
  openSets.delete(set);
  openSets.add(set);
  maxOpenLogFiles ??= Math.max(16, Math.min(256, Math.floor(currentNofileSoft() / 8)));
  if (openSets.size <= maxOpenLogFiles) return;
  for (const oldest of openSets) {
    if (oldest === set) continue;
    try {
      oldest.close();
    } catch {
      // its batch could not be written (a full disk): it stays queued for its own next flush
    }
    break;
  }
}

/** What a failed write left unwritten and the caller gave up on. */
export interface Dropped {
  records: number;
  bytes: number;
  firstTs: number;
  lastTs: number;
}

/**
 * The append side of one service's files. Records are encoded at once (so the
 * size that decides rotation is exact) and written in batches by flush(); the
 * owner calls flush() soon (next turn of the event loop) or when a batch is big.
 *
 * Writes are synchronous on purpose: appends to a local file land in the page
 * cache in microseconds, they keep order and rotation simple, and close() can
 * never leave a batch behind. The fd stays open only while the service writes
 * (the owner closes it when the service exits), so 1000 idle services hold none,
 * and at most maxOpenLogFiles are open at once: past that the least recently
 * written is closed, to be reopened by its next write (10,000 services that each
 * wrote a line would otherwise hold 10,000 descriptors).
 *
 * A write that fails (disk full) never leaves half a record behind: the file is
 * cut back to where the batch began, and the batch stays queued until the
 * owner retries it or drops it (discard()).
 */
export class LogFileSet {
  private fd: number | undefined;
  private size = 0;
  private ino = 0;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private batchRecords: RawRecord[] = [];
  /** Timestamps never go backwards within a service, so readers may binary-search by time. */
  private lastTs = -1;
  /** Opens every write with a record of its own, in the same write (spool positions, see spool-position.ts). */
  seal: BatchSeal | undefined;

  constructor(
    readonly dir: string,
    readonly service: string,
    public rotation: RotationSettings,
    /** Called after each batch reached the file (follow mode listens here). */
    private readonly onWritten: (service: string, records: RawRecord[]) => void,
  ) {}

  get pendingBytes(): number {
    return this.batchBytes;
  }

  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  get pendingRecords(): number {
    return this.batchRecords.length;
  }

  /**
   * Queues one record; returns the timestamp it was stored with. Never throws:
   * a file that cannot be opened or rotated now is the next flush()'s error.
   */
  append(r: RawRecord): number {
    try {
      this.open();
    } catch {
      // reported by flush()
    }
    if (r.ts < this.lastTs) r = { ...r, ts: this.lastTs };
    this.lastTs = r.ts;
    const bytes = encodeRecord(r);
    const used = this.size + this.batchBytes;
    if (this.fd !== undefined && used > 0 && used + bytes.length > this.rotation.maxBytes) {
      try {
        this.flush();
        this.rotate();
      } catch {
        // the batch is still queued; flush() reports
      }
    }
    this.batch.push(bytes);
    this.batchBytes += bytes.length;
    this.batchRecords.push(r);
    return r.ts;
  }

  /**
   * Writes the queued batch with one write call, after `lead` when given (a gap
   * record goes before what came after the gap). On failure nothing is
   * written at all, the batch stays queued, and the error is thrown.
   */
  flush(lead?: RawRecord): void {
    if (this.batchBytes === 0 && !lead) return;
    this.open();
    const fd = this.fd!;
    let parts = lead ? [encodeRecord(lead), ...this.batch] : this.batch;
    const records = lead ? [lead, ...this.batchRecords] : this.batchRecords;
    const sealed = this.seal?.open(records, parts.reduce((n, b) => n + b.length, 0), records[0]?.ts ?? this.lastTs);
    if (sealed) parts = [sealed.head, ...parts];
    const total = parts.reduce((n, b) => n + b.length, 0);
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
    try {
      writeAll(fd, data);
    } catch (e) {
      this.rollback(fd);
      throw e;
    }
    sealed?.commit();
    this.batch = [];
    this.batchBytes = 0;
    this.batchRecords = [];
    this.size += data.length;
    touched(this);
    this.onWritten(this.service, records);
  }

  /** Gives up on the queued batch (the disk is full and the service may not wait); says what was lost. */
  discard(): Dropped | undefined {
    const recs = this.batchRecords;
    if (recs.length === 0) return undefined;
    const dropped = { records: recs.length, bytes: this.batchBytes, firstTs: recs[0]!.ts, lastTs: recs[recs.length - 1]!.ts };
    this.seal?.dropped(recs);
    this.batch = [];
    this.batchBytes = 0;
    this.batchRecords = [];
    return dropped;
  }

  /** A short write left part of a batch in the file: cut it off, so no record is ever torn. */
  private rollback(fd: number): void {
    try {
      ftruncateSync(fd, this.size);
    } catch {
      // Could not cut it: reopening checks the tail and starts a fresh line.
      this.closeFd();
      this.ino = 0;
    }
  }

  /** Flushes and releases the fd; the next append reopens the file. */
  close(): void {
    try {
      this.flush();
    } finally {
      this.closeFd();
    }
  }

  private closeFd(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    openSets.delete(this);
  }

  /** The current file's identity and the size written so far (a follow snapshot). */
  position(): { ino: number; size: number } | undefined {
    if (this.fd !== undefined) return { ino: this.ino, size: this.size };
    return undefined;
  }

  private open(): void {
    if (this.fd !== undefined) return;
    mkdirSync(this.dir, { recursive: true });
    const path = logFilePath(this.dir, this.service);
    let fd: number;
    try {
      fd = openSync(path, OPEN_FLAGS, 0o640);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOOP') {
        throw Object.assign(new Error(`"${path}" is a symbolic link; hearthd does not write logs through links`), { code: 'ELOOP' });
      }
      throw e;
    }
    const st = fstatSync(fd);
    if (!st.isFile()) {
      closeSync(fd);
      throw Object.assign(new Error(`"${path}" is not a regular file`), { code: 'EINVAL' });
    }
    // Reopened after being closed for others, unchanged meanwhile: its tail is known.
    const unchanged = st.ino === this.ino && st.size === this.size && this.lastTs >= 0;
    this.ino = st.ino;
    this.size = st.size;
    try {
      if (st.size > 0 && !unchanged) this.recoverTail(fd, st.size);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    this.fd = fd;
    touched(this);
  }

  /**
   * After a restart (or a crash) learn the last timestamp, and if the last write
   * was torn mid-line start a fresh line so the next record parses.
   */
  private recoverTail(fd: number, size: number): void {
    const len = Math.min(size, TAIL_PROBE);
    const buf = Buffer.allocUnsafe(len);
    readSync(fd, buf, 0, len, size - len);
    if (buf[len - 1] !== LF) {
      writeAll(fd, Buffer.from([LF]));
      this.size += 1;
    }
    let end = buf[len - 1] === LF ? len - 1 : len;
    while (end > 0) {
      const start = buf.lastIndexOf(LF, end - 1) + 1;
      if (start === 0 && len < size) break; // line begins before the probe window
      const ts = readTs(buf, start, end);
      if (!Number.isNaN(ts)) {
        this.lastTs = Math.max(this.lastTs, ts);
        break;
      }
      end = start - 1;
    }
  }

  private rotate(): void {
    this.closeFd();
    const { keep } = this.rotation;
    const current = logFilePath(this.dir, this.service);
    if (keep <= 0) {
      unlinkQuiet(current);
    } else {
      unlinkQuiet(logFilePath(this.dir, this.service, keep));
      for (let i = keep - 1; i >= 1; i--) renameQuiet(logFilePath(this.dir, this.service, i), logFilePath(this.dir, this.service, i + 1));
      renameSync(current, logFilePath(this.dir, this.service, 1));
    }
    this.pruneByAge(Date.now());
    this.open();
    if (this.seal && this.fd !== undefined) {
      // The new file carries the positions from its first byte on.
      const sealed = this.seal.open([], 0, this.lastTs);
      writeAll(this.fd, sealed.head);
      this.size += sealed.head.length;
      sealed.commit();
    }
  }

  /** Deletes rotated files whose last write is older than maxAgeMs. */
  pruneByAge(now: number): void {
    const { maxAgeMs, keep } = this.rotation;
    if (maxAgeMs === undefined) return;
    for (let i = 1; i <= keep; i++) {
      const path = logFilePath(this.dir, this.service, i);
      try {
        if (lstatSync(path).mtimeMs < now - maxAgeMs) unlinkSync(path);
      } catch {
        // missing: nothing to prune
      }
    }
  }
}

function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function renameQuiet(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
