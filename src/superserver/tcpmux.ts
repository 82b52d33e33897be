import type net from 'node:net';
import { stopReading } from '../native/index.js';
import type { EngineContext } from './engine-context.js';

/** How long a client may take to name a service, and how long that name may be. */
const NAME_TIMEOUT_MS = 30_000;
const NAME_MAX_BYTES = 1024;

/**
 * RFC 1078 on an admitted connection to the tcpmux service: read
 * "name\r\n", answer HELP with the list, "-" for an unknown name, and hand
 * the connection to the named service (after "+Go" for TCPMUXPLUS), whose
 * own limits and server then apply. `handedOff` runs just before that hand-off.
 */
export function serveTcpmux(ctx: EngineContext, sock: net.Socket, remote: string | undefined, handedOff: () => void): void {
  let buf = '';
  const timer = setTimeout(() => sock.destroy(), NAME_TIMEOUT_MS);
  const onData = (d: Buffer): void => {
    buf += d.toString('latin1');
    const nl = buf.indexOf('\r\n');
    if (nl < 0) {
      if (buf.length > NAME_MAX_BYTES) sock.destroy();
      return;
    }
    sock.off('data', onData);
    sock.pause();
    clearTimeout(timer);
    const name = buf.slice(0, nl);
    if (name.toLowerCase() === 'help') {
      sock.end(ctx.muxServiceNames().map((n) => `${n}\r\n`).join(''));
      return;
    }
    const target = ctx.findMuxService(name);
    if (!target) {
      sock.end('-Service name not found\r\n');
      return;
    }
    // The client may write as soon as it reads "+Go": those bytes are the server's, so leave them in the kernel.
    stopReading(sock);
    const hand = (): void => {
      handedOff();
      target.handOff(sock, remote);
    };
    if (target.def.types.includes('TCPMUXPLUS')) sock.write('+Go\r\n', hand);
    else hand();
  };
  sock.on('data', onData);
  sock.on('close', () => clearTimeout(timer));
  sock.resume();
}
