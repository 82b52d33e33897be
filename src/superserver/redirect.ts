import net from 'node:net';
import type { ServiceCore } from './engine-context.js';

/**
 * xinetd's redirect: an admitted connection is relayed to host:port (the host
 * resolved when the service was loaded), bytes both ways. Unlike xinetd's
 * relay, which ends at the first end-of-file from either side, a half-close
 * is passed on (a client that shuts down its sending side still gets the
 * answer). `finish` runs once when both sides are done; then the TRAFFIC line
 * (bytes from the client, bytes from the server) and the EXIT line, as
 * xinetd's relay child writes them before it exits.
 */
export function relay(core: ServiceCore, sock: net.Socket, remote: string | undefined, userid: string | undefined, finish: () => void): void {
  const r = core.def.redirect!;
  const log = core.log;
  log.start(0, remote);
  if (userid !== undefined) log.userid(userid);
  const started = log.started();
  const up = net.connect({ host: core.prepared.redirectHost ?? r.host, port: r.port });
  core.conns.add(sock);
  let done = false;
  const end = (): void => {
    if (done) return;
    done = true;
    core.conns.delete(sock);
    sock.destroy();
    up.destroy();
    finish();
    log.traffic(sock.bytesRead, sock.bytesWritten);
    log.exit(0, 0, null, started);
  };
  sock.on('error', end);
  up.on('error', end);
  // The client side closes last (after up's data is flushed to it).
  sock.on('close', end);
  up.once('connect', () => {
    sock.pipe(up);
    up.pipe(sock);
    sock.resume();
  });
}
