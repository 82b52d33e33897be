import { FACILITY_NAMES, PRIORITY_NAMES, effectivePriority } from '../model/index.js';
import type { LogRecord } from './types.js';

export interface RenderOptions {
  /** ANSI colors for the time, the service and urgent lines. */
  color?: boolean;
  /** Put the service name before the text (on for interleaved output). */
  showService?: boolean;
  /** Print the text exactly as the program wrote it, escape sequences and all. */
  raw?: boolean;
  /** Let the program's own color sequences (SGR, ESC[…m) through, like `less -R`; everything else stays escaped. */
  keepColors?: boolean;
  /** Show the time (default true), in UTC instead of local time with utc. */
  time?: boolean;
  utc?: boolean;
}

const DIM = '\x1b[2m';
const CYAN = '\x1b[36m';
const RED = '\x1b[31m';
const YELLOW = '\x1b[33m';
const RESET = '\x1b[0m';

const NAMED: Record<string, string> = { '\0': '\\0', '\x07': '\\a', '\b': '\\b', '\v': '\\v', '\f': '\\f', '\r': '\\r', '\n': '\\n', '\x1b': '\\e' };
// C0 but TAB, DEL, C1 (0x9b is a one-byte CSI to some terminals) and the bidi
// overrides that can make a line read differently from what it contains.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const SGR_OR_CONTROL = /(\x1b\[[0-9;:]*m)|[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * One record as one terminal line. A log is data written by other programs, so
 * by default nothing in it reaches the terminal as a command: escape sequences
 * and control characters are shown as visible escapes (ESC as \e), bytes that
 * are not UTF-8 as \xNN.
 */
export function renderLine(r: LogRecord, options: RenderOptions = {}): string {
  const { color = false, showService = false, raw = false, keepColors = false, time = true, utc = false } = options;
  let text: string;
  // Raw is for a terminal that should see the sequences; the exact bytes of a
  // non-UTF-8 line are recordBytes(r), which a string cannot carry.
  if (raw) text = r.text;
  else text = r.b64 !== undefined ? escapeBytes(Buffer.from(r.b64, 'base64'), keepColors) : escapeText(stripCr(r.text), keepColors);

  const parts: string[] = [];
  if (time) parts.push(paint(formatTime(r.ts, utc), DIM, color));
  if (showService || r.stream === 'err') {
    let label = showService ? r.service : '';
    if (r.stream === 'err') label += '[err]';
    parts.push(paint(`${label}:`, CYAN, color));
  }
  const p = effectivePriority(r);
  const urgency = p <= 3 ? RED : p === 4 ? YELLOW : '';
  parts.push(color && urgency && !raw ? `${urgency}${text}${RESET}` : text);
  return parts.join(' ');
}

/** Makes control characters and escape sequences visible. */
export function escapeText(s: string, keepColors = false): string {
  if (keepColors) return s.replace(SGR_OR_CONTROL, (m, sgr: string | undefined) => (sgr ? sgr : escapeChar(m)));
  return s.replace(CONTROL, escapeChar);
}

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** CRLF output shows as a plain line; a lone CR elsewhere stays visible. */
function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

/** Escapes raw bytes: valid UTF-8 runs as text (escaped), every other byte as \xNN. */
function escapeBytes(b: Buffer, keepColors: boolean): string {
  let out = '';
  let runStart = 0;
  let i = 0;
  const end = b.length > 0 && b[b.length - 1] === 0x0d ? b.length - 1 : b.length;
  while (i < end) {
    const n = utf8Length(b, i, end);
    if (n > 0) {
      i += n;
      continue;
    }
    out += escapeText(b.toString('utf8', runStart, i), keepColors) + `\\x${b[i]!.toString(16).padStart(2, '0')}`;
    i += 1;
    runStart = i;
  }
  return out + escapeText(b.toString('utf8', runStart, end), keepColors);
}

/** Length of the valid UTF-8 character at i, or 0 when the byte does not start one. */
function utf8Length(b: Buffer, i: number, end: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n === 0) return 0;
  const min = n === 2 ? 0x80 : n === 3 ? 0x800 : 0x10000;
  if (i + n > end) return 0;
  let cp = c & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    const cc = b[i + k]!;
    if ((cc & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

function paint(s: string, code: string, on: boolean): string {
  return on ? `${code}${s}${RESET}` : s;
}

function formatTime(ts: number, utc: boolean): string {
  const d = new Date(ts);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  if (utc) return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}Z`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** One record as one line of JSON (for `hearth logs --json`): exact bytes survive via b64. */
export function renderJson(r: LogRecord): string {
  return JSON.stringify(r);
}

const STREAM_NAME: Record<LogRecord['stream'], string> = { out: 'stdout', err: 'stderr', hearth: 'hearthd', syslog: 'syslog' };

/**
 * One record with every field it carries, one `KEY=value` per line under a
 * header line, as `journalctl -o verbose` shows them (values escaped like
 * renderLine's text). `header` is the first line (the caller formats the time).
 */
export function renderVerbose(r: LogRecord, header: string): string {
  const lines = [header];
  const field = (key: string, value: string): void => void lines.push(`    ${key}=${escapeText(value)}`);
  field('SERVICE', r.service);
  field('STREAM', STREAM_NAME[r.stream]);
  const p = effectivePriority(r);
  field('PRIORITY', `${p} (${PRIORITY_NAMES[p]})${r.priority === undefined ? ', from the stream' : ''}`);
  const s = r.syslog;
  if (s) {
    field('SYSLOG_FACILITY', `${s.facility} (${FACILITY_NAMES[s.facility] ?? '?'})`);
    if (s.hostname !== undefined) field('SYSLOG_HOSTNAME', s.hostname);
    if (s.appName !== undefined) field('SYSLOG_IDENTIFIER', s.appName);
    if (s.procId !== undefined) field('SYSLOG_PID', s.procId);
    if (s.msgId !== undefined) field('SYSLOG_MSGID', s.msgId);
    if (s.structuredData !== undefined) field('SYSLOG_STRUCTURED_DATA', s.structuredData.map(sdText).join(''));
  }
  if (r.partial) field('PARTIAL', 'yes (no newline ended the line here)');
  if (r.gap) field('GAP', 'yes (records were dropped here)');
  lines.push(`    MESSAGE=${r.b64 !== undefined ? escapeBytes(Buffer.from(r.b64, 'base64'), false) : escapeText(r.text)}`);
  return lines.join('\n');
}

/** An SD-ELEMENT as RFC 5424 writes it: `[id name="value"]`, with ", \ and ] escaped. */
function sdText(e: { id: string; params: Array<[string, string]> }): string {
  return `[${[e.id, ...e.params.map(([n, v]) => `${n}="${v.replace(/["\\\]]/g, (c) => `\\${c}`)}"`)].join(' ')}]`;
}
