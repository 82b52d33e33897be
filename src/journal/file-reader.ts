import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { readTs, type ParsedLine } from './format.js';
import type { LineMatcher } from './line-matcher.js';
import type { LogFileEntry } from './log-files.js';

const LF = 0x0a;
const FORWARD_CHUNK = 1024 * 1024;
const BACKWARD_FIRST_CHUNK = 64 * 1024;
const BACKWARD_MAX_CHUNK = 1024 * 1024;
const PROBE = 64 * 1024;
/** Below this span the time search stops and a plain scan takes over. */
const SEARCH_DONE = 256 * 1024;
/** Never through a symlink, and never blocking on a FIFO someone planted as a log file. */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export interface OpenedFile {
  fh: FileHandle;
  ino: number;
  /** Read up to here: the size when opened (or the follow snapshot's size). */
  size: number;
}

/** Where a follow subscription started: the current file and how much of it existed. */
export interface FilePosition {
  ino: number;
  size: number;
}

/**
 * Opens a service's files newest first, as one consistent set. A rotation that
 * runs while the files are being opened shifts names (NAME.log becomes
 * NAME.log.1), so after opening, every name is checked to still be the file
 * opened under it; if not, the set is opened again. With `upTo`, files newer
 * than that position are skipped and the file at it is read only to its size then.
 */
export async function openFiles(list: () => LogFileEntry[], upTo?: FilePosition): Promise<OpenedFile[]> {
  for (let attempt = 0; ; attempt++) {
    const opened: Array<OpenedFile & { path: string }> = [];
    try {
      for (const entry of list()) {
        let fh: FileHandle;
        try {
          fh = await open(entry.path, READ_FLAGS);
        } catch (e) {
          // Gone meanwhile, or a link that is not ours to follow: not a log file.
          if (['ENOENT', 'ELOOP'].includes((e as NodeJS.ErrnoException).code ?? '')) continue;
          throw e;
        }
        const st = await fh.stat().catch(async (e: unknown) => {
          await fh.close();
          throw e;
        });
        if (!st.isFile()) {
          await fh.close();
          continue;
        }
        opened.push({ fh, ino: 0, size: 0, path: entry.path });
        opened[opened.length - 1]!.ino = st.ino;
        opened[opened.length - 1]!.size = st.size;
      }
      const stable = attempt >= 4 || (await namesStillMatch(opened));
      if (stable) return pick(opened, upTo);
    } catch (e) {
      await closeAll(opened);
      throw e;
    }
    await closeAll(opened);
  }
}

async function namesStillMatch(files: Array<{ path: string; ino: number }>): Promise<boolean> {
  for (const f of files) {
    try {
      if ((await stat(f.path)).ino !== f.ino) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Applies `upTo` and drops a file seen twice; closes what is not kept. */
async function pick(files: OpenedFile[], upTo: FilePosition | undefined): Promise<OpenedFile[]> {
  const out: OpenedFile[] = [];
  const drop: OpenedFile[] = [];
  const seen = new Set<number>();
  let reached = upTo === undefined;
  for (const f of files) {
    if (!reached && upTo && f.ino === upTo.ino) {
      reached = true;
      f.size = Math.min(f.size, upTo.size);
    } else if (!reached || seen.has(f.ino)) {
      drop.push(f);
      continue;
    }
    seen.add(f.ino);
    out.push({ fh: f.fh, ino: f.ino, size: f.size });
  }
  await closeAll(drop);
  return out;
}

export async function closeAll(files: OpenedFile[]): Promise<void> {
  await Promise.all(files.map((f) => f.fh.close().catch(() => undefined)));
}

/**
 * Reads matching lines oldest to newest. Returns false once a line newer than
 * `until` was seen (later files need not be read: timestamps never go back).
 */
export async function readForward(file: OpenedFile, matcher: LineMatcher, emit: (l: ParsedLine) => void): Promise<boolean> {
  const { since, until } = matcher.filter;
  let pos = since !== undefined ? await findTime(file, since) : 0;
  let carry: Buffer = Buffer.alloc(0);
  let buf = Buffer.allocUnsafe(FORWARD_CHUNK);
  while (pos < file.size) {
    const want = Math.min(FORWARD_CHUNK, file.size - pos);
    if (buf.length < carry.length + want) buf = Buffer.allocUnsafe(carry.length + want);
    carry.copy(buf, 0);
    const { bytesRead } = await file.fh.read(buf, carry.length, want, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    const filled = carry.length + bytesRead;
    const lastLf = buf.lastIndexOf(LF, filled - 1);
    if (lastLf < 0) {
      carry = Buffer.from(buf.subarray(0, filled));
      continue;
    }
    const end = lastLf + 1;
    if (until !== undefined && readTs(buf, 0, end) > until) return false;
    matcher.scan(buf, 0, end, emit);
    if (until !== undefined && readTs(buf, lineStartBefore(buf, lastLf), lastLf) > until) return false;
    carry = Buffer.from(buf.subarray(end, filled));
  }
  return true;
}

/**
 * Collects up to `want` matching lines, newest first, reading the file from its
 * end in growing chunks: the last 10 lines of a 1 GB file cost one small read.
 * Returns false once a line older than `since` was seen (stop: older files are older still).
 */
export async function readBackward(file: OpenedFile, matcher: LineMatcher, want: number, out: ParsedLine[]): Promise<boolean> {
  const { since } = matcher.filter;
  let pos = file.size;
  let carry: Buffer = Buffer.alloc(0);
  let chunk = BACKWARD_FIRST_CHUNK;
  let first = true;
  while (pos > 0 && out.length < want) {
    const len = Math.min(chunk, pos);
    pos -= len;
    chunk = Math.min(chunk * 2, BACKWARD_MAX_CHUNK);
    const buf = Buffer.allocUnsafe(len + carry.length);
    const { bytesRead } = await file.fh.read(buf, 0, len, pos);
    if (bytesRead < len) buf.fill(0, bytesRead, len); // file shrank under us: nothing valid there
    carry.copy(buf, len);
    let start = 0;
    if (pos > 0) {
      const lf = buf.indexOf(LF);
      if (lf < 0) {
        carry = buf;
        continue;
      }
      start = lf + 1;
      carry = buf.subarray(0, start);
    } else carry = Buffer.alloc(0);
    // The first read may end in a line still being written: leave it out.
    const end = first ? buf.lastIndexOf(LF) + 1 : buf.length;
    first = false;
    if (end <= start) continue;
    const found: ParsedLine[] = [];
    matcher.scan(buf, start, end, (l) => found.push(l));
    for (let i = found.length - 1; i >= 0 && out.length < want; i--) out.push(found[i]!);
    if (since !== undefined && readTs(buf, start, end) < since) return false;
  }
  return out.length < want;
}

function lineStartBefore(buf: Buffer, lf: number): number {
  return lf === 0 ? 0 : buf.lastIndexOf(LF, lf - 1) + 1;
}

/**
 * Byte offset from which lines may have ts >= since: a binary search over the
 * file (timestamps never decrease within a service), then a plain scan of what is left.
 */
export async function findTime(file: OpenedFile, since: number): Promise<number> {
  let lo = 0;
  let hi = file.size;
  const head = await probe(file, 0);
  if (!head || head.ts >= since) return 0;
  while (hi - lo > SEARCH_DONE) {
    const mid = Math.floor((lo + hi) / 2);
    const p = await probe(file, mid);
    if (!p || p.start >= hi || Number.isNaN(p.ts) || p.ts >= since) hi = mid;
    else lo = p.start;
  }
  return lo;
}

/** The first line starting at or after `pos`, with its timestamp. */
async function probe(file: OpenedFile, pos: number): Promise<{ start: number; ts: number } | undefined> {
  let at = pos === 0 ? 0 : pos - 1;
  let start = pos === 0 ? 0 : -1;
  const buf = Buffer.allocUnsafe(PROBE);
  while (at < file.size) {
    const { bytesRead } = await file.fh.read(buf, 0, Math.min(PROBE, file.size - at), at);
    if (bytesRead === 0) return undefined;
    let i = 0;
    if (start < 0) {
      const lf = buf.indexOf(LF);
      if (lf < 0 || lf >= bytesRead) {
        at += bytesRead;
        continue;
      }
      start = at + lf + 1;
      i = lf + 1;
    }
    if (start >= file.size) return undefined;
    // The timestamp is at most 16 digits: make sure they are all in the buffer.
    if (bytesRead - i < 24 && at + bytesRead < file.size) {
      at = start;
      continue;
    }
    return { start, ts: readTs(buf, i, bytesRead) };
  }
  return undefined;
}
