import type net from 'node:net';
import type { RawTcpConnection } from '../native/index.js';
import { chargenChunk, chargenDatagram, daytimeBytes, timeBytes } from './internal-protocols.js';
import type { EngineContext, InternalName, ServiceCore } from './engine-context.js';

/**
 * echo, discard, chargen, daytime and time, answered by hearthd itself as
 * xinetd does (RFC 862, 863, 864, 867, 868): over a net.Socket, over the raw
 * TCP handle (the fast path), and as UDP replies. The bytes themselves are
 * made in internal-protocols.ts; tcpmux is in tcpmux.ts.
 */

export const INTERNAL_NAMES: ReadonlySet<string> = new Set<InternalName>(['echo', 'discard', 'chargen', 'daytime', 'time', 'tcpmux']);

/** Internal services that xinetd forks for, so they count against instances. */
export const LONG_LIVED: ReadonlySet<string> = new Set<InternalName>(['echo', 'discard', 'chargen', 'tcpmux']);

/**
 * daytime, time, echo and discard need no stream machinery: when nothing else
 * does either (banners, reverse lookups, identd, socket flags), they are
 * served from the raw TCP handle.
 */
export function canServeRaw(core: ServiceCore): boolean {
  const i = core.internal;
  const p = core.prepared;
  return (
    (i === 'daytime' || i === 'time' || i === 'echo' || i === 'discard') &&
    !p.banner && !p.bannerSuccess && !p.bannerFail && !p.access?.needsReverse &&
    !core.log.useridOnSuccess && !core.log.useridOnFailure &&
    !core.def.flags.includes('NODELAY') && !core.def.flags.includes('KEEPALIVE')
  );
}

/**
 * An admitted connection on a net.Socket. `finish` runs once when the
 * connection ends (at once for daytime and time); long-lived ones are in
 * core.conns meanwhile.
 */
export function serveInternalStream(core: ServiceCore, kind: Exclude<InternalName, 'tcpmux'>, sock: net.Socket, finish: () => void): void {
  sock.on('error', noop);
  if (kind === 'daytime' || kind === 'time') {
    sock.end(kind === 'daytime' ? daytimeBytes() : timeBytes());
    finish();
    return;
  }
  core.conns.add(sock);
  sock.once('close', () => {
    core.conns.delete(sock);
    finish();
  });
  if (kind === 'echo') sock.pipe(sock);
  else if (kind === 'discard') {
    sock.on('end', () => sock.end());
    sock.resume();
  } else chargen(core.ctx, sock);
}

function chargen(ctx: EngineContext, sock: net.Socket): void {
  const chunk = chargenChunk(ctx.chargenPosition);
  // Input is ignored (xinetd shuts the read side down).
  sock.on('data', noop);
  sock.on('end', () => sock.destroy());
  const pump = (): void => {
    while (!sock.destroyed && sock.write(chunk));
  };
  sock.on('drain', pump);
  pump();
}

/** daytime and time on the raw TCP handle: answers and closes, true; false for any other kind. */
export function answerAndClose(kind: InternalName, conn: RawTcpConnection): boolean {
  if (kind === 'daytime') conn.replyAndClose(daytimeBytes());
  else if (kind === 'time') conn.replyAndClose(timeBytes());
  else return false;
  return true;
}

/** An admitted echo or discard connection on the raw TCP handle (daytime and time: answerAndClose). */
export function serveInternalRaw(core: ServiceCore, conn: RawTcpConnection, finish: () => void): void {
  core.conns.add(conn);
  const done = (): void => {
    core.conns.delete(conn);
    finish();
  };
  if (core.internal === 'echo') conn.echo(done);
  else conn.discard(done);
}

/** The reply to one datagram; undefined when none is sent (discard). */
export function internalDatagramReply(ctx: EngineContext, kind: InternalName, msg: Buffer): Buffer | undefined {
  switch (kind) {
    case 'echo':
      return msg.length > 2048 ? msg.subarray(0, 2048) : msg;
    case 'daytime':
      return daytimeBytes();
    case 'time':
      return timeBytes();
    case 'chargen': {
      const r = chargenDatagram(ctx.chargenPosition);
      ctx.chargenPosition = r.next;
      return r.reply;
    }
    default:
      return undefined;
  }
}

function noop(): void {}
