import net from 'node:net';

/** xinetd's LOGUSER_SUCCESS_TIMEOUT and LOGUSER_FAILURE_TIMEOUT. */
export const IDENT_TIMEOUT_MS = 30_000;
const IDENT_PORT = 113;
/** RFC 1413 suggests 1000; xinetd reads at most 1024 bytes. */
const MAX_REPLY = 1024;

export interface IdentEnds {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

/** What the client's identd said after "USERID :", or why there is nothing (xinetd's idresult words). */
export type IdentResult = { ok: true; text: string } | { ok: false; reason: string };

/**
 * RFC 1413, as xinetd's log_remote_user asks it: connect from the address the
 * connection came in on to the client's port 113, send "remoteport,localport",
 * read one CRLF line and accept it only if it names the same ports and says
 * USERID. Never throws.
 */
export function queryIdent(ends: IdentEnds, timeoutMs = IDENT_TIMEOUT_MS): Promise<IdentResult> {
  return new Promise((resolve) => {
    let settled = false;
    let connected = false;
    let buf = Buffer.alloc(0);
    const done = (r: IdentResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const sock = net.connect({ host: ends.remoteAddress, port: IDENT_PORT, localAddress: ends.localAddress });
    const timer = setTimeout(() => done({ ok: false, reason: 'timeout' }), timeoutMs);
    timer.unref();
    sock.on('connect', () => {
      connected = true;
      sock.write(`${ends.remotePort},${ends.localPort}\r\n`);
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const crlf = buf.indexOf('\r\n');
      if (crlf >= 0) {
        const text = verifyLine(buf.subarray(0, crlf).toString('latin1'), ends.localPort, ends.remotePort);
        done(text === undefined ? { ok: false, reason: 'bad response' } : { ok: true, text });
      } else if (buf.length >= MAX_REPLY) done({ ok: false, reason: 'error while receiving response' });
    });
    sock.on('end', () => done({ ok: false, reason: 'error while receiving response' }));
    sock.on('error', () => done({ ok: false, reason: connected ? 'error while receiving response' : 'no server' }));
  });
}

/** "remote , local : USERID : rest" → rest (xinetd's verify_line); undefined when it does not match. */
export function verifyLine(line: string, localPort: number, remotePort: number): string | undefined {
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*:\s*USERID\s*:\s*(\S.*)$/.exec(line);
  if (!m || Number(m[1]) !== remotePort || Number(m[2]) !== localPort) return undefined;
  return m[3];
}
