import net from 'node:net';
import type { ServiceCore } from './engine-context.js';

/**
 * xinetd's redirect: an admitted connection is relayed to host:port (the host
 * resolved when the service was loaded), bytes both ways, half-closes passed
 * on. `finish` runs once when both sides are done; the EXIT line carries the
 * byte counts when log_on_success has TRAFFIC.
 */
export function relay(core: ServiceCore, sock: net.Socket, remote: string | undefined, finish: () => void): void {
  const r = core.def.redirect!;
  const log = core.log;
  const started = Date.now();
  log.start(0, remote);
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
    const traffic = core.def.logOnSuccess.includes('TRAFFIC') ? ` in=${sock.bytesRead}(bytes) out=${sock.bytesWritten}(bytes)` : '';
    log.exit(0, 0, null, started, traffic);
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
