/**
 * The bytes of xinetd's internal services, reproduced exactly:
 *  - daytime (RFC 867): "DD MON YYYY HH:MM:SS ZONE\r\n" in local time, month in
 *    upper case (xinetd's SMTP-style format, not ctime's).
 *  - time (RFC 868): seconds since 1900 as 32 bits, network order.
 *  - chargen (RFC 864): 72-character lines + CRLF cut from a ring of the 93
 *    characters '!'..'}' (xinetd never emits '~'), the start moving one
 *    character per line through 95 positions; a UDP reply is 13 full lines and
 *    a 60-character one (1024 bytes).
 * Both clocks are cached per second: the hot path is one Date.now() call.
 * Local time and the zone's name are strftime's (see useLocalZone).
 */
import { wallClock, zoneAbbreviation } from '../model/index.js';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));

export function daytimeText(d: Date): string {
  const w = wallClock(d.getTime());
  return `${pad(w.getUTCDate())} ${MONTHS[w.getUTCMonth()]} ${w.getUTCFullYear()} ${pad(w.getUTCHours())}:${pad(w.getUTCMinutes())}:${pad(w.getUTCSeconds())} ${zoneAbbreviation(d.getTime())}\r\n`;
}

let daytimeSecond = -1;
let daytimeBuf = Buffer.alloc(0);
export function daytimeBytes(): Buffer {
  const s = Math.floor(Date.now() / 1000);
  if (s !== daytimeSecond) {
    daytimeSecond = s;
    daytimeBuf = Buffer.from(daytimeText(new Date(s * 1000)), 'latin1');
  }
  return daytimeBuf;
}

const TIME_OFFSET = 2208988800;
let timeSecond = -1;
const timeBuf = Buffer.alloc(4);
export function timeBytes(): Buffer {
  const s = Math.floor(Date.now() / 1000);
  if (s !== timeSecond) {
    timeSecond = s;
    timeBuf.writeUInt32BE((s + TIME_OFFSET) % 0x100000000, 0);
  }
  // A copy: the cached buffer changes next second while a write may be queued.
  return Buffer.from(timeBuf);
}

const LINE = 72;
const RING_SIZE = 94 + LINE;
/** Number of distinct start positions before xinetd resets the ring. */
export const CHARGEN_POSITIONS = RING_SIZE - LINE + 1;
const ring = Buffer.alloc(RING_SIZE);
for (let i = 0, ch = 33; i < RING_SIZE; i++) {
  ring[i] = ch++;
  if (ch === 126) ch = 33;
}

/** Writes line `pos` (shortened to len-2 characters when len < 74) into out at offset. */
function writeLine(out: Buffer, offset: number, pos: number, len: number): number {
  const n = Math.min(LINE, len - 2);
  ring.copy(out, offset, pos, pos + n);
  out[offset + n] = 13;
  out[offset + n + 1] = 10;
  return n + 2;
}

/** The stream pattern from position 0, CYCLES whole rounds, so any start is a slice. */
const CYCLES = 9;
const streamBuf = Buffer.alloc((CYCLES + 1) * CHARGEN_POSITIONS * (LINE + 2));
for (let i = 0, off = 0; i < (CYCLES + 1) * CHARGEN_POSITIONS; i++) off += writeLine(streamBuf, off, i % CHARGEN_POSITIONS, LINE + 2);
/** One chunk of a TCP chargen stream starting at ring position pos; the next chunk starts at pos again. */
export function chargenChunk(pos: number): Buffer {
  const start = pos * (LINE + 2);
  return streamBuf.subarray(start, start + CYCLES * CHARGEN_POSITIONS * (LINE + 2));
}

/** A UDP chargen reply (1024 bytes) from pos; returns the reply and the next position. */
export function chargenDatagram(pos: number): { reply: Buffer; next: number } {
  const out = Buffer.alloc(1024);
  let left = 1024;
  let off = 0;
  let p = pos;
  while (left > 2) {
    const len = Math.min(LINE + 2, left);
    const n = writeLine(out, off, p, len);
    off += n;
    left -= len;
    p = (p + 1) % CHARGEN_POSITIONS;
  }
  return { reply: out.subarray(0, off), next: p };
}
