/**
 * RFC 5424: `1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]`, "-" for
 * any field left out. Works on the datagram decoded as latin1 (one char per
 * byte) so the caller can cut the message out of the original bytes; the
 * header fields are turned back into UTF-8 here.
 */
import type { StructuredElement, SyslogMessage } from './message.js';
import { parseRfc3339 } from './rfc3339.js';

export type HeaderFields = Omit<SyslogMessage, 'facility' | 'severity' | 'message'>;

export interface HeaderResult {
  fields: HeaderFields;
  /** Where the message starts, in bytes from the start of the text given. */
  bodyOffset: number;
}

const HEADER = /^1 (\S+) (\S+) (\S+) (\S+) (\S+)(?: |$)/;

/** undefined when the text is not RFC 5424 at all (the caller then tries RFC 3164). */
export function parseRfc5424(s: string): HeaderResult | undefined {
  const h = HEADER.exec(s);
  if (!h) return undefined;
  const fields: HeaderFields = {};
  const ts = h[1] === '-' ? undefined : parseRfc3339(h[1]!);
  if (ts !== undefined) fields.timestamp = ts;
  if (h[2] !== '-') fields.hostname = utf8(h[2]!);
  if (h[3] !== '-') fields.appName = utf8(h[3]!);
  if (h[4] !== '-') fields.procId = utf8(h[4]!);
  if (h[5] !== '-') fields.msgId = utf8(h[5]!);
  let p = h[0].length;
  if (s[p] === '-') p++;
  else if (s[p] === '[') {
    const sd = parseStructuredData(s, p);
    // Broken structured data stays in the message rather than being lost.
    if (sd) {
      fields.structuredData = sd.elements;
      p = sd.end;
    }
  }
  if (s[p] === ' ') p++;
  return { fields, bodyOffset: p };
}

/** `[id name="value" ...][id2 ...]`; inside values `\"`, `\\` and `\]` are escapes. */
export function parseStructuredData(s: string, start: number): { elements: StructuredElement[]; end: number } | undefined {
  const elements: StructuredElement[] = [];
  let p = start;
  while (s[p] === '[') {
    p++;
    const idEnd = scanName(s, p);
    if (idEnd === p) return undefined;
    const id = utf8(s.slice(p, idEnd));
    p = idEnd;
    const params: Array<[string, string]> = [];
    while (s[p] === ' ') {
      p++;
      const nameEnd = scanName(s, p);
      if (nameEnd === p || s[nameEnd] !== '=' || s[nameEnd + 1] !== '"') return undefined;
      const name = utf8(s.slice(p, nameEnd));
      p = nameEnd + 2;
      let value = '';
      for (;;) {
        if (p >= s.length) return undefined;
        const c = s[p]!;
        if (c === '\\' && (s[p + 1] === '"' || s[p + 1] === '\\' || s[p + 1] === ']')) {
          value += s[p + 1];
          p += 2;
        } else if (c === '"') {
          p++;
          break;
        } else {
          value += c;
          p++;
        }
      }
      params.push([name, utf8(value)]);
    }
    if (s[p] !== ']') return undefined;
    p++;
    elements.push({ id, params });
  }
  return { elements, end: p };
}

/** SD-NAME: printable ASCII except '=', SP, ']' and '"'. */
function scanName(s: string, p: number): number {
  let i = p;
  while (i < s.length && i - p < 64) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c >= 127 || c === 61 || c === 93 || c === 34) break;
    i++;
  }
  return i;
}

/** latin1 (one char per byte) back to the UTF-8 the sender meant. */
export function utf8(latin1: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(latin1) ? latin1 : Buffer.from(latin1, 'latin1').toString('utf8');
}
