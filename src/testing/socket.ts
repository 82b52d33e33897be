import type { Socket } from 'node:net';

/** Everything a socket receives until the peer closes it; rejects if it is still open after `timeoutMs`. */
export function untilClosed(socket: Socket, timeoutMs = 10_000, encoding: BufferEncoding = 'utf8'): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const timer = setTimeout(() => reject(new Error(`still open after ${timeoutMs} ms: ${got}`)), timeoutMs);
    socket.on('data', (d: Buffer) => (got += d.toString(encoding)));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}
