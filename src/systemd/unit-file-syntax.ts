/**
 * The syntax of a systemd unit file, exactly as systemd reads it (its
 * conf-parser): lines end at \n, \r, \r\n or \n\r; a line whose first
 * non-blank character is `#` or `;` is a comment, even in the middle of a
 * continued line; a backslash at the end of a line joins it to the next
 * with a space; `[Section]` headers; `Key=Value` with blanks trimmed on both
 * sides. Nothing else is special here: quotes, inline `#` and repeated keys
 * mean whatever the key's own parser makes of them, so every assignment is
 * kept, in order, with its file and line.
 *
 * Why not an ini library: the common ones (npm `ini`, for one) cut the value
 * at an inline ` ;` or ` #`, keep only the last of repeated keys, and know no
 * backslash continuation; all three break real units (`ExecStart=sh -c 'a; b'`,
 * several `ExecStartPre=`, long `ExecStart=` lines split with `\`).
 */
import type { UnitDiagnostic } from './diagnostics.js';

export interface Assignment {
  section: string;
  key: string;
  value: string;
  file: string;
  /** The line systemd reports: for a continued value, the line it ends on. */
  line: number;
}

export interface UnitFileText {
  assignments: Assignment[];
  diagnostics: UnitDiagnostic[];
  /** systemd stopped reading at a fatal error (bad section header, line too long): the unit fails to load. */
  fatal: boolean;
}

export interface SyntaxOptions {
  /** Unit name, for diagnostics. */
  unit?: string;
  /**
   * Sections this kind of unit may have. A name with a leading "-" is
   * accepted and silently skipped. Omitted: every section is accepted.
   */
  sections?: readonly string[];
}

/** systemd refuses longer lines (1 MiB); the limit also bounds what a stranger's file makes us hold. */
export const LONG_LINE_MAX = 1024 * 1024;

const WS = ' \t\n\r';
const BOM = '\uFEFF';

function strip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && WS.includes(s[a]!)) a++;
  while (b > a && WS.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** Section names may not hold control characters, quotes or backslashes. */
function isSafe(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if ((c > 0 && c < 32) || c === 127 || ch === '"' || ch === "'" || ch === '\\') return false;
  }
  return true;
}

/**
 * Splits bytes into lines the way systemd's read_line does: one end-of-line
 * is any run of \n, \r and NUL in which no kind repeats and nothing follows a
 * NUL. Each line is returned as raw bytes.
 */
export function splitLines(data: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  let i = 0;
  while (i < data.length) {
    const c = data[i]!;
    if (c !== 10 && c !== 13 && c !== 0) {
      i++;
      continue;
    }
    lines.push(data.subarray(start, i));
    let seen = 0;
    while (i < data.length) {
      const e = data[i]!;
      const kind = e === 0 ? 1 : e === 10 ? 2 : e === 13 ? 4 : 0;
      if (kind === 0 || (seen & kind) !== 0 || (seen & 1) !== 0) break;
      seen |= kind;
      i++;
    }
    start = i;
  }
  if (start < data.length) lines.push(data.subarray(start));
  return lines;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lossy = new TextDecoder('utf-8');

/** A trailing backslash that is not itself escaped. */
function endsEscaped(s: string): boolean {
  let escaped = false;
  for (const ch of s) escaped = escaped ? false : ch === '\\';
  return escaped;
}

/** Parses one unit file or drop-in. Never throws; problems come back as diagnostics. */
export function parseUnitFileText(content: Uint8Array | string, file: string, options: SyntaxOptions = {}): UnitFileText {
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const assignments: Assignment[] = [];
  const diagnostics: UnitDiagnostic[] = [];
  const unit = options.unit;
  const warn = (line: number, kind: UnitDiagnostic['kind'], message: string, extra: Partial<UnitDiagnostic> = {}): void => {
    diagnostics.push({ severity: 'warning', kind, message, file, line, ...(unit ? { unit } : {}), ...extra });
  };

  let section: string | null = null;
  let sectionIgnored = false;
  let continuation: string | null = null;
  let bomSeen = false;
  let lineNo = 0;

  const parseLine = (raw: string, at: number, valid: boolean): void => {
    const l = strip(raw);
    if (l === '') return;
    if (!valid) {
      warn(at, 'syntax', `String is not UTF-8 clean, ignoring assignment: ${l}`);
      return;
    }
    if (l.startsWith('[')) {
      if (!l.endsWith(']')) {
        diagnostics.push({ severity: 'error', kind: 'syntax', message: `Invalid section header '${l}'`, file, line: at, ...(unit ? { unit } : {}) });
        throw new StopParsing();
      }
      const name = l.slice(1, -1);
      if (!isSafe(name)) {
        diagnostics.push({ severity: 'error', kind: 'syntax', message: `Bad characters in section header '${l}'`, file, line: at, ...(unit ? { unit } : {}) });
        throw new StopParsing();
      }
      const allowed = options.sections;
      if (allowed && !allowed.includes(name)) {
        if (!name.startsWith('X-') && !allowed.includes(`-${name}`)) {
          warn(at, 'unknown-section', `Unknown section '${name}'. Ignoring.`, { section: name });
        }
        section = null;
        sectionIgnored = true;
      } else {
        section = name;
        sectionIgnored = false;
      }
      return;
    }
    if (options.sections && section === null) {
      if (!sectionIgnored) warn(at, 'syntax', 'Assignment outside of section. Ignoring.');
      return;
    }
    const eq = l.indexOf('=');
    if (eq < 0) {
      warn(at, 'syntax', "Missing '=', ignoring line.");
      return;
    }
    if (eq === 0) {
      warn(at, 'syntax', "Missing key name before '=', ignoring line.");
      return;
    }
    assignments.push({ section: section ?? '', key: strip(l.slice(0, eq)), value: strip(l.slice(eq + 1)), file, line: at });
  };

  let continuationValid = true;
  let fatal = false;
  try {
    for (const bytes of splitLines(data)) {
      lineNo++;
      let valid = true;
      let text: string;
      try {
        text = utf8.decode(bytes);
      } catch {
        valid = false;
        text = utf8Lossy.decode(bytes);
      }
      const lead = text.replace(/^[ \t\n\r]+/, '');
      if (lead !== '' && (lead[0] === '#' || lead[0] === ';')) continue;
      if (!bomSeen && text.startsWith(BOM)) {
        text = text.slice(1);
        bomSeen = true;
      }
      const joined: string = continuation === null ? text : continuation + text;
      if (joined.length > LONG_LINE_MAX) {
        diagnostics.push({ severity: 'error', kind: 'syntax', message: continuation === null ? 'Line too long' : 'Continuation line too long', file, line: lineNo, ...(unit ? { unit } : {}) });
        throw new StopParsing();
      }
      if (endsEscaped(joined)) {
        continuation = `${joined.slice(0, -1)} `;
        continuationValid &&= valid;
        continue;
      }
      parseLine(joined, lineNo, valid && continuationValid);
      continuation = null;
      continuationValid = true;
    }
    if (continuation !== null) parseLine(continuation, lineNo + 1, continuationValid);
  } catch (e) {
    if (!(e instanceof StopParsing)) throw e;
    fatal = true;
  }
  return { assignments, diagnostics, fatal };
}

/** A fatal syntax error: systemd stops reading the file there. */
class StopParsing extends Error {}
