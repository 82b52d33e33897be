import type { Server } from 'node:net';
import type { Socket } from 'node:net';
import { descriptorShortage, describeError } from '../../errors/index.js';

/**
 * What the web GUI may make hearthd hold. Every descriptor the GUI takes is
 * one the control socket, the journal and service starts cannot have, so the
 * GUI gets a quarter of hearthd's soft RLIMIT_NOFILE at most (and never more
 * than 512 connections): the other three quarters are the reserve. Idle and
 * slow clients are dropped by timeouts, and one address cannot take more than
 * a quarter of the GUI's share.
 */
export interface ConnectionLimits {
  maxConnections: number;
  maxPerAddress: number;
  /** From connect to the end of the request headers (also closes connections that never send a byte). */
  headersTimeoutMs: number;
  /** From connect to the end of the request body. */
  requestTimeoutMs: number;
  /** No bytes either way for this long closes a connection (event streams send keep-alives every 15 s). */
  idleTimeoutMs: number;
}

export function connectionLimitsFor(nofileSoft: number): ConnectionLimits {
  const maxConnections = Math.max(8, Math.min(512, Math.floor(nofileSoft / 4)));
  return {
    maxConnections,
    maxPerAddress: Math.max(4, Math.floor(maxConnections / 4)),
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    idleTimeoutMs: 120_000,
  };
}

const busyBody = (why: string): string => JSON.stringify({ error: { code: 'ERR_BUSY', message: `the web GUI is busy: ${why}; try again shortly` } });

/** A one-shot answer written straight to the socket; then the socket goes as soon as it is flushed. */
function refuse(socket: Socket, tls: boolean, why: string): void {
  if (tls) {
    // No TLS handshake has happened: there is nobody to answer in plain HTTP.
    socket.destroy();
    return;
  }
  const body = busyBody(why);
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  // The HTTP server keeps sockets half-open; this one must not wait for the client to close its side.
  socket.destroySoon();
}

/**
 * Counts the GUI's connections in all and per address, refusing those over the
 * caps at once, and turns errors after listen (accept failing with EMFILE)
 * into log lines, at most one a minute, instead of an exception.
 */
export function guardConnections(server: Server, limits: ConnectionLimits, tls: boolean, log: (m: string) => void, now: () => number = Date.now): void {
  const perAddress = new Map<string, number>();
  let total = 0;
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '?';
    const fromThere = perAddress.get(address) ?? 0;
    if (total >= limits.maxConnections) return refuse(socket, tls, `it holds ${limits.maxConnections} connections`);
    if (fromThere >= limits.maxPerAddress) return refuse(socket, tls, `${limits.maxPerAddress} connections from ${address} already`);
    total++;
    perAddress.set(address, fromThere + 1);
    socket.once('close', () => {
      total--;
      const n = (perAddress.get(address) ?? 1) - 1;
      if (n > 0) perAddress.set(address, n);
      else perAddress.delete(address);
    });
  });

  let lastReport = -Infinity;
  let unreported = 0;
  server.on('error', (e: NodeJS.ErrnoException) => {
    if (now() - lastReport < 60_000) {
      unreported++;
      return;
    }
    const err = descriptorShortage(e, 'accept a web GUI connection');
    log(`web: ${err ? err.message : `listener error: ${describeError(e)}`}${unreported ? ` (${unreported} more in the last minute)` : ''}`);
    lastReport = now();
    unreported = 0;
  });
}
