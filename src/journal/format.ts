/**
 * On-disk record format of the journal.
 *
 * Each service has its own file set under the log dir: NAME.log (current), then
 * NAME.log.1 … NAME.log.K (older, rotated by size). hearthd's own events use the
 * service name "hearthd". Every record is one line:
 *
 *     TS SP META SP PAYLOAD LF
 *
 *   TS       epoch milliseconds, decimal ASCII, first so a reader can compare
 *            times without decoding anything else. Non-decreasing within a file
 *            (the writer clamps), so a reader may binary-search a file by time.
 *   META     one token without spaces: the stream letter first
 *            (o = stdout, e = stderr, h = hearthd, s = syslog), then flags:
 *              p      partial: no newline ended the line here (split long line,
 *                     output cut off at exit, or an idle prompt)
 *              x      PAYLOAD is escaped (see below)
 *              g      a gap record: hearthd's note that records of this
 *                     service were dropped (disk full), saying how many and when
 *              m      PAYLOAD starts with the syslog header fields: a JSON
 *                     object, then a NUL byte, then the text (JSON never
 *                     holds a raw NUL, so the first NUL ends it)
 *              0-7    syslog priority
 *            Readers ignore flag characters they do not know, so later versions
 *            can add some without breaking old files.
 *   PAYLOAD  the line's bytes exactly as the program wrote them: binary, NUL,
 *            invalid UTF-8, CR and terminal escapes included. Service output is
 *            split on LF, so a payload never contains LF and is stored verbatim.
 *            Only records that do contain LF (a multi-line syslog message, a
 *            multi-line daemon message) are written escaped: "\" → "\\" and
 *            LF → "\n", flagged with x.
 *
 * A line without a valid TS (a write torn by a crash) is skipped by readers; the
 * writer starts a fresh line when it reopens a file whose last byte is not LF.
 */
import { isUtf8 } from 'node:buffer';
import type { LogRecord, LogStream, SyslogFields } from './types.js';

const LF = 0x0a;
const SPACE = 0x20;
const BACKSLASH = 0x5c;

const STREAM_LETTER: Record<LogStream, string> = { out: 'o', err: 'e', hearth: 'h', syslog: 's' };
const LETTER_STREAM: Record<number, LogStream> = { 0x6f: 'out', 0x65: 'err', 0x68: 'hearth', 0x73: 'syslog' };

/** What the writer hands to the encoder; the service is implied by the file. */
export interface RawRecord {
  ts: number;
  stream: LogStream;
  payload: Buffer;
  partial?: boolean;
  priority?: number;
  /** The journal's own note that records were dropped here. */
  gap?: boolean;
  syslog?: SyslogFields;
}

/** One decoded line, payload still as bytes (the reader decides how to present it). */
export type ParsedLine = RawRecord;

export function encodeRecord(r: RawRecord): Buffer {
  let meta = STREAM_LETTER[r.stream];
  if (r.partial) meta += 'p';
  if (r.gap) meta += 'g';
  let payload = r.payload;
  if (r.syslog) {
    meta += 'm';
    payload = Buffer.concat([Buffer.from(encodeSyslogFields(r.syslog), 'utf8'), NUL_BYTE, payload]);
  }
  if (payload.includes(LF)) {
    meta += 'x';
    payload = escapePayload(payload);
  }
  if (r.priority !== undefined && r.priority >= 0 && r.priority <= 7) meta += String(Math.trunc(r.priority));
  const head = Buffer.from(`${Math.trunc(r.ts)} ${meta} `, 'latin1');
  const out = Buffer.allocUnsafe(head.length + payload.length + 1);
  head.copy(out, 0);
  payload.copy(out, head.length);
  out[out.length - 1] = LF;
  return out;
}

/** Reads the leading timestamp of the line starting at `start`; NaN when there is none. */
export function readTs(buf: Buffer, start: number, end: number): number {
  let ts = 0;
  let i = start;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === SPACE) break;
    if (c < 0x30 || c > 0x39) return NaN;
    ts = ts * 10 + (c - 0x30);
  }
  return i === start || i >= end ? NaN : ts;
}

/** Offset of the payload in the line starting at `start` (after "TS META "), or -1. */
export function payloadOffset(buf: Buffer, start: number, end: number): number {
  const a = buf.indexOf(SPACE, start);
  if (a < 0 || a >= end) return -1;
  const b = buf.indexOf(SPACE, a + 1);
  if (b < 0 || b >= end) return -1;
  return b + 1;
}

/**
 * Parses one line (without its LF) from buf[start, end). Returns undefined for a
 * malformed line. The payload is copied so the caller may reuse the buffer.
 */
export function parseLine(buf: Buffer, start: number, end: number): ParsedLine | undefined {
  const ts = readTs(buf, start, end);
  if (Number.isNaN(ts)) return undefined;
  const metaStart = buf.indexOf(SPACE, start) + 1;
  const metaEnd = buf.indexOf(SPACE, metaStart);
  if (metaEnd < 0 || metaEnd >= end || metaEnd === metaStart) return undefined;
  const stream = LETTER_STREAM[buf[metaStart]!];
  if (!stream) return undefined;
  let partial = false;
  let gap = false;
  let escaped = false;
  let fields = false;
  let priority: number | undefined;
  for (let i = metaStart + 1; i < metaEnd; i++) {
    const c = buf[i]!;
    if (c === 0x70) partial = true;
    else if (c === 0x67) gap = true;
    else if (c === 0x78) escaped = true;
    else if (c === 0x6d) fields = true;
    else if (c >= 0x30 && c <= 0x37) priority = c - 0x30;
  }
  let payload: Buffer = Buffer.from(buf.subarray(metaEnd + 1, end));
  if (escaped) payload = unescapePayload(payload);
  let syslog: SyslogFields | undefined;
  if (fields) {
    const nul = payload.indexOf(0);
    if (nul >= 0) {
      syslog = decodeSyslogFields(payload.subarray(0, nul).toString('utf8'));
      payload = payload.subarray(nul + 1);
    }
  }
  const line: ParsedLine = { ts, stream, payload };
  if (syslog) line.syslog = syslog;
  if (partial) line.partial = true;
  if (gap) line.gap = true;
  if (priority !== undefined) line.priority = priority;
  return line;
}

function escapePayload(p: Buffer): Buffer {
  const out: number[] = [];
  for (const c of p) {
    if (c === BACKSLASH) out.push(BACKSLASH, BACKSLASH);
    else if (c === LF) out.push(BACKSLASH, 0x6e);
    else out.push(c);
  }
  return Buffer.from(out);
}

function unescapePayload(p: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === BACKSLASH && i + 1 < p.length) {
      const n = p[++i]!;
      out.push(n === 0x6e ? LF : n);
    } else out.push(c);
  }
  return Buffer.from(out);
}

/** Turns a parsed line into the API's record: text always, exact bytes only when needed. */
export function toLogRecord(service: string, line: ParsedLine): LogRecord {
  const text = line.payload.toString('utf8');
  const r: LogRecord = { ts: line.ts, service, stream: line.stream, text };
  if (!isUtf8(line.payload)) r.b64 = line.payload.toString('base64');
  if (line.partial) r.partial = true;
  if (line.gap) r.gap = true;
  if (line.priority !== undefined) r.priority = line.priority;
  if (line.syslog) r.syslog = line.syslog;
  return r;
}

const NUL_BYTE = Buffer.from([0]);

/** Short keys on disk: a syslog-heavy log repeats them on every line. */
function encodeSyslogFields(f: SyslogFields): string {
  const o: Record<string, unknown> = { f: f.facility };
  if (f.hostname !== undefined) o.h = f.hostname;
  if (f.appName !== undefined) o.a = f.appName;
  if (f.procId !== undefined) o.p = f.procId;
  if (f.msgId !== undefined) o.m = f.msgId;
  if (f.structuredData !== undefined) o.d = f.structuredData.map((e) => [e.id, e.params]);
  return JSON.stringify(o);
}

/** A damaged or foreign header yields no fields rather than a broken record. */
function decodeSyslogFields(json: string): SyslogFields | undefined {
  let o: unknown;
  try {
    o = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null) return undefined;
  const v = o as Record<string, unknown>;
  if (typeof v.f !== 'number' || !Number.isInteger(v.f) || v.f < 0 || v.f > 23) return undefined;
  const f: SyslogFields = { facility: v.f };
  if (typeof v.h === 'string') f.hostname = v.h;
  if (typeof v.a === 'string') f.appName = v.a;
  if (typeof v.p === 'string') f.procId = v.p;
  if (typeof v.m === 'string') f.msgId = v.m;
  if (Array.isArray(v.d)) {
    const sd: NonNullable<SyslogFields['structuredData']> = [];
    for (const e of v.d) {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || !Array.isArray(e[1])) continue;
      const params = (e[1] as unknown[]).filter((p): p is [string, string] => Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'string');
      sd.push({ id: e[0], params: params.map(([n, val]) => [n, val]) });
    }
    f.structuredData = sd;
  }
  return f;
}

/** The exact bytes of a record: from b64 when present, else the UTF-8 text. */
export function recordBytes(r: LogRecord): Buffer {
  return r.b64 !== undefined ? Buffer.from(r.b64, 'base64') : Buffer.from(r.text, 'utf8');
}

