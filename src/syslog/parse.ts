/**
 * One parser for every syslog datagram: `<PRI>` then RFC 5424 or RFC 3164.
 * Never throws. A datagram without a valid PRI is kept whole, as user.notice;
 * the message keeps its bytes (invalid UTF-8, escapes) for the journal.
 */
import { DEFAULT_FACILITY, DEFAULT_SEVERITY, type SyslogMessage } from './message.js';
import { parseRfc3164 } from './rfc3164.js';
import { parseRfc5424 } from './rfc5424.js';

export interface ParsedDatagram {
  message: SyslogMessage;
  /** The message part's exact bytes (BOM removed), so nothing is lost to decoding. */
  body: Buffer;
}

const PRI = /^<(\d{1,3})>/;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export function parseSyslog(input: Buffer | string, now: Date = new Date()): SyslogMessage {
  return parseSyslogDatagram(typeof input === 'string' ? Buffer.from(input, 'utf8') : input, now).message;
}

export function parseSyslogDatagram(datagram: Buffer, now: Date = new Date()): ParsedDatagram {
  const buf = trimEnd(datagram);
  // latin1 maps each byte to one char, so offsets found in the text are byte offsets.
  const text = buf.toString('latin1');
  const pri = PRI.exec(text);
  const value = pri ? Number(pri[1]) : NaN;
  if (!pri || value > 191) {
    return { message: { facility: DEFAULT_FACILITY, severity: DEFAULT_SEVERITY, message: buf.toString('utf8') }, body: buf };
  }
  const rest = text.slice(pri[0].length);
  const header = parseRfc5424(rest) ?? parseRfc3164(rest, now);
  let body = buf.subarray(pri[0].length + header.bodyOffset);
  if (body.subarray(0, 3).equals(BOM)) body = body.subarray(3);
  return {
    message: { facility: value >> 3, severity: value & 7, ...header.fields, message: body.toString('utf8') },
    body,
  };
}

/** Senders end messages with newlines or NULs (some old ones both); they are not part of it. */
function trimEnd(buf: Buffer): Buffer {
  let end = buf.length;
  while (end > 0 && (buf[end - 1] === 0x0a || buf[end - 1] === 0x0d || buf[end - 1] === 0x00)) end--;
  return buf.subarray(0, end);
}
