/**
 * How far a service's spooled output has been journaled, kept in the journal
 * itself so that it can never disagree with the records.
 *
 * Service output reaches hearthd through spool files (see src/spool): a stream
 * KEY has files KEY.GEN, and a place in it is GEN:OFF. Every write to a
 * service's log file that the spool feeds begins with a seal record, in the
 * same write(2) as the records it covers:
 *
 *     TS k LEN KEY=GEN:OFF KEY=GEN:OFF … ;
 *
 *   k       a stream letter readers do not know, so every reader skips the line
 *   LEN     the bytes of the records that follow it in the same write
 *   KEY=…   for every stream of the service: journaled up to there
 *   ;       the end: a seal torn before it (and mended with a newline) is not one
 *
 * After a crash the last seal tells where each stream continues: exactly once.
 * A kill -9 can tear a long write (the kernel stops between pages); a seal
 * followed by fewer than LEN bytes was such a write, so the file is cut back
 * to that seal and the seal before it counts: its records will be made again
 * from the spool. After a rotation an empty seal (LEN 0) opens the new file, so
 * the newest file always carries the position.
 */
import { closeSync, constants, existsSync, fstatSync, ftruncateSync, openSync, readSync } from 'node:fs';
import type { RawRecord } from './format.js';
import { logFilePath } from './log-files.js';

/** A place in a spool stream. */
export interface SpoolPoint {
  gen: number;
  off: number;
}

/** Where the last byte of a record came from. */
export interface SpoolTag extends SpoolPoint {
  key: string;
}

/** The seal that opens one write of a batch; commit() once the write went through. */
export interface SealedBatch {
  head: Buffer;
  commit(): void;
}

/** What a LogFileSet asks of its seal (see LogFileSet.seal). */
export interface BatchSeal {
  /** The head for a write of `records`, whose encoded bytes number `bodyBytes`. */
  open(records: readonly RawRecord[], bodyBytes: number, ts: number): SealedBatch;
  /** Records given up on (full disk, on_log_full = "drop"): their bytes count as handled. */
  dropped(records: readonly RawRecord[]): void;
}

const TAG = Symbol('hearth.spoolTag');
type Tagged = RawRecord & { [TAG]?: SpoolTag };

/** Marks a record as made from spool bytes ending at `tag` (a symbol property: it survives the writer's copies). */
export function tagRecord(r: RawRecord, tag: SpoolTag): void {
  (r as Tagged)[TAG] = tag;
}

const LF = 0x0a;
const SCAN_FIRST = 64 * 1024;
const SCAN_MAX = 1024 * 1024;
const SEAL_LINE = /^(\d+) k (\d+)((?: [^ =]+=\d+:\d+)*) ;$/;

/** The points of a service with no spool stream journaled yet, shared: a ledger never changes its map in place. */
const NOTHING_JOURNALED: ReadonlyMap<string, SpoolPoint> = new Map();

/**
 * The positions of one service's spool streams as its journal has them. It
 * seals every write to the service's file, and tells `onCommit` which streams
 * advanced once a write went through.
 */
export class SpoolLedger implements BatchSeal {
  /** Replaced, never changed in place (a batch's seal is made before it commits). */
  private journaled: ReadonlyMap<string, SpoolPoint> = NOTHING_JOURNALED;
  /** Called after a write (or a drop) with the last tag of each stream in it. */
  onCommit: ((tags: SpoolTag[]) => void) | undefined;

  constructor(readonly service: string) {}

  /** Journaled up to here (undefined: nothing of this stream yet). */
  point(key: string): SpoolPoint | undefined {
    return this.journaled.get(key);
  }

  keys(): string[] {
    return [...this.journaled.keys()];
  }

  /**
   * Reads the last seal from the service's files (cutting off a torn write)
   * and starts from it. Call before anything else writes the service's file.
   */
  recover(dir: string): void {
    const points = recoverSpoolPoints(dir, this.service);
    this.journaled = points.size === 0 ? NOTHING_JOURNALED : points;
  }

  /** A stream that is finished and whose spool files are gone: later seals leave it out. */
  forget(key: string): void {
    if (!this.journaled.has(key)) return;
    const next = new Map(this.journaled);
    next.delete(key);
    this.journaled = next;
  }

  open(records: readonly RawRecord[], bodyBytes: number, ts: number): SealedBatch {
    const last = lastTags(records);
    let next = this.journaled;
    if (last.size > 0) {
      const changed = new Map(this.journaled);
      for (const t of last.values()) changed.set(t.key, { gen: t.gen, off: t.off });
      next = changed;
    }
    return {
      head: encodeSeal(ts, bodyBytes, next),
      commit: () => {
        this.journaled = next;
        if (last.size > 0) this.onCommit?.([...last.values()]);
      },
    };
  }

  dropped(records: readonly RawRecord[]): void {
    const last = lastTags(records);
    if (last.size === 0) return;
    const next = new Map(this.journaled);
    for (const t of last.values()) next.set(t.key, { gen: t.gen, off: t.off });
    this.journaled = next;
    this.onCommit?.([...last.values()]);
  }
}

function lastTags(records: readonly RawRecord[]): Map<string, SpoolTag> {
  const last = new Map<string, SpoolTag>();
  for (const r of records) {
    const t = (r as Tagged)[TAG];
    if (t) last.set(t.key, t);
  }
  return last;
}

export function encodeSeal(ts: number, bodyBytes: number, points: ReadonlyMap<string, SpoolPoint>): Buffer {
  let line = `${Math.trunc(ts)} k ${bodyBytes}`;
  for (const [key, p] of points) line += ` ${key}=${p.gen}:${p.off}`;
  return Buffer.from(`${line} ;\n`, 'latin1');
}

/** A seal line's parts, or undefined when the line is not a whole seal. */
export function parseSeal(line: string): { bodyBytes: number; points: Map<string, SpoolPoint> } | undefined {
  const m = SEAL_LINE.exec(line);
  if (!m) return undefined;
  const points = new Map<string, SpoolPoint>();
  for (const entry of m[3]!.trim().split(' ').filter(Boolean)) {
    const eq = entry.lastIndexOf('=');
    const [gen, off] = entry.slice(eq + 1).split(':').map(Number);
    points.set(entry.slice(0, eq), { gen: gen!, off: off! });
  }
  return { bodyBytes: Number(m[2]), points };
}

interface FoundSeal {
  start: number;
  end: number;
  bodyBytes: number;
  points: Map<string, SpoolPoint>;
}

/**
 * The journaled positions of a service's spool streams: from the last whole
 * seal in its newest file (or the one before, right after a rotation). A write
 * torn by a crash is cut off first. No seal at all: an empty map.
 */
export function recoverSpoolPoints(dir: string, service: string): Map<string, SpoolPoint> {
  for (const index of [0, 1]) {
    const path = logFilePath(dir, service, index);
    // A new service has no files: asking first spares building the error a failed open throws.
    if (!existsSync(path)) continue;
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch {
      continue;
    }
    try {
      if (!fstatSync(fd).isFile()) continue;
      let size = fstatSync(fd).size;
      for (let seal = lastSeal(fd, size); seal; seal = lastSeal(fd, size)) {
        if (seal.end + seal.bodyBytes <= size) return seal.points;
        // Fewer bytes than the seal announced: hearthd died inside this write.
        ftruncateSync(fd, seal.start);
        size = seal.start;
      }
    } finally {
      closeSync(fd);
    }
  }
  return new Map();
}

/** "TS k …": the stream letter k right after the timestamp (checked on bytes: most lines are records). */
function isSealLine(buf: Buffer, start: number, end: number): boolean {
  const space = buf.indexOf(0x20, start);
  return space > start && space + 2 < end && buf[space + 1] === 0x6b && buf[space + 2] === 0x20;
}

/** The last whole seal line that ends at or before `size`, reading the file backwards. */
function lastSeal(fd: number, size: number): FoundSeal | undefined {
  let end = size;
  let chunk = SCAN_FIRST;
  let carry = Buffer.alloc(0);
  while (end > 0) {
    const len = Math.min(chunk, end);
    const buf = Buffer.allocUnsafe(len + carry.length);
    const got = readSync(fd, buf, 0, len, end - len);
    if (got < len) return undefined; // the file shrank under us
    carry.copy(buf, len);
    const base = end - len;
    end -= len;
    chunk = Math.min(chunk * 2, SCAN_MAX);
    // Lines wholly inside buf: from the first LF (unless at the file's start) to the last one.
    let lineEnd = buf.lastIndexOf(LF);
    const firstLf = base === 0 ? -1 : buf.indexOf(LF);
    while (lineEnd >= 0 && lineEnd > firstLf) {
      const lineStart = buf.lastIndexOf(LF, lineEnd - 1) + 1;
      if (isSealLine(buf, lineStart, lineEnd)) {
        const seal = parseSeal(buf.toString('latin1', lineStart, lineEnd));
        if (seal) return { start: base + lineStart, end: base + lineEnd + 1, ...seal };
      }
      lineEnd = lineStart - 1;
    }
    if (firstLf < 0) {
      carry = buf;
      continue;
    }
    carry = Buffer.from(buf.subarray(0, firstLf + 1));
  }
  return undefined;
}
