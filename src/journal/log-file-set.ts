import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { encodeRecord, readTs, type RawRecord } from './format.js';
import { logFilePath } from './log-files.js';
import type { RotationSettings } from './types.js';

const LF = 0x0a;
/** How much of an existing file's tail to read to learn its last timestamp. */
const TAIL_PROBE = 64 * 1024;

/**
 * The append side of one service's files. Records are encoded at once (so the
 * size that decides rotation is exact) and written in batches by flush(); the
 * owner calls flush() soon (next turn of the event loop) or when a batch is big.
 *
 * Writes are synchronous on purpose: appends to a local file land in the page
 * cache in microseconds, they keep order and rotation simple, and close() can
 * never leave a batch behind. The fd stays open only while the service writes
 * (the owner closes it when the service exits), so 1000 idle services hold none.
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

  /** Queues one record; returns the timestamp it was stored with. */
  append(r: RawRecord): number {
    this.open();
    if (r.ts < this.lastTs) r = { ...r, ts: this.lastTs };
    this.lastTs = r.ts;
    const bytes = encodeRecord(r);
    const used = this.size + this.batchBytes;
    if (used > 0 && used + bytes.length > this.rotation.maxBytes) {
      this.flush();
      this.rotate();
    }
    this.batch.push(bytes);
    this.batchBytes += bytes.length;
    this.batchRecords.push(r);
    return r.ts;
  }

  /** Writes the queued batch with one write call. */
  flush(): void {
    if (this.batchBytes === 0 || this.fd === undefined) return;
    const data = this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch, this.batchBytes);
    const records = this.batchRecords;
    this.batch = [];
    this.batchBytes = 0;
    this.batchRecords = [];
    writeAll(this.fd, data);
    this.size += data.length;
    this.onWritten(this.service, records);
  }

  /** Flushes and releases the fd; the next append reopens the file. */
  close(): void {
    try {
      this.flush();
    } finally {
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
    }
  }

  /** The current file's identity and the size written so far (a follow snapshot). */
  position(): { ino: number; size: number } | undefined {
    if (this.fd !== undefined) return { ino: this.ino, size: this.size };
    return undefined;
  }

  private open(): void {
    if (this.fd !== undefined) return;
    mkdirSync(this.dir, { recursive: true });
    const fd = openSync(logFilePath(this.dir, this.service), 'a+', 0o640);
    const st = fstatSync(fd);
    this.fd = fd;
    this.ino = st.ino;
    this.size = st.size;
    if (st.size > 0) this.recoverTail(fd, st.size);
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
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
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
  }

  /** Deletes rotated files whose last write is older than maxAgeMs. */
  pruneByAge(now: number): void {
    const { maxAgeMs, keep } = this.rotation;
    if (maxAgeMs === undefined) return;
    for (let i = 1; i <= keep; i++) {
      const path = logFilePath(this.dir, this.service, i);
      try {
        if (statSync(path).mtimeMs < now - maxAgeMs) unlinkSync(path);
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
