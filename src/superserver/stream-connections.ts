import type net from 'node:net';
import { reverse } from 'node:dns/promises';
import type { RefusalReason } from '../model/index.js';
import type { RawTcpConnection } from '../native/index.js';
import { addressAllowed, toBytes } from './access.js';
import { LONG_LIVED, answerAndClose, serveInternalRaw, serveInternalStream } from './internal-services.js';
import { relay } from './redirect.js';
import { startConnectionServer } from './server-launch.js';
import { serveTcpmux } from './tcpmux.js';
import type { ServiceCore } from './engine-context.js';

/**
 * The TCP connections of wait = no services, whichever listener took them:
 * each is admitted (limits, then address rules, with a reverse lookup when a
 * rule names a domain), greeted with the banners, and handed to its server,
 * its redirect target or the internal service; or refused with banner_fail.
 */

/** Does this connection hold an instance? Servers do, and the internal services xinetd forks for. */
function holdsInstance(core: ServiceCore): boolean {
  return !core.internal || LONG_LIVED.has(core.internal);
}

/** A connection accepted by the service's net.Server. */
export function acceptStream(core: ServiceCore, sock: net.Socket): void {
  const remote = sock.remoteAddress;
  const counted = holdsInstance(core);
  const reason = core.admit(remote, counted);
  if (reason) return refuseStream(core, sock, reason, remote);
  const access = core.prepared.access;
  if (access?.needsReverse) {
    sock.pause();
    const bytes = remote === undefined ? undefined : toBytes(remote);
    reverse(remote ?? '').then((names) => names[0], () => undefined).then((name) => {
      if (!addressAllowed(access, bytes, name)) return refuseStream(core, sock, 'address', remote);
      granted(core, sock, remote, counted);
    }, noop);
    return;
  }
  granted(core, sock, remote, counted);
}

/** A connection that arrived through tcpmux: this service's own limits and server apply. */
export function acceptHandOff(core: ServiceCore, sock: net.Socket, remote: string | undefined): void {
  const reason = core.admit(remote, true);
  if (reason) return refuseStream(core, sock, reason, remote);
  core.countServed();
  core.admission.opened(remote);
  if (core.prepared.launch) return startConnectionServer(core, sock, remote);
  sock.destroy();
  core.admission.closed(remote);
}

/** A connection announced by hearth-acceptor: true lets the helper start the server (watched by the caller). */
export function decideAcceptorConnection(core: ServiceCore, remote: string): boolean {
  const reason = core.admit(remote, true);
  if (reason) {
    core.refuse(reason, remote);
    return false;
  }
  core.countServed();
  core.admission.opened(remote);
  return true;
}

/** A connection on the raw TCP handle of daytime, time, echo or discard. */
export function acceptRaw(core: ServiceCore, conn: RawTcpConnection): void {
  const counted = holdsInstance(core);
  // Asking the kernel who the peer is costs a system call: only when a rule or a log line needs it.
  const needsPeer = !!core.prepared.access || core.log.onSuccess || (counted && core.def.perSource !== undefined);
  const remote = needsPeer ? conn.remoteAddress : undefined;
  const reason = core.admit(remote, counted);
  if (reason) {
    core.refuse(reason, remote ?? conn.remoteAddress);
    conn.destroy();
    return;
  }
  core.countServed();
  const log = core.log;
  const started = log.started();
  log.start(0, remote);
  // daytime and time: one write and done, on the hot path of the benchmark, so no closure.
  if (answerAndClose(core.internal!, conn)) return log.exit(0, 0, null, started);
  if (counted) core.admission.opened(remote);
  serveInternalRaw(core, conn, () => {
    if (counted) core.admission.closed(remote);
    log.exit(0, 0, null, started);
  });
}

function refuseStream(core: ServiceCore, sock: net.Socket, reason: RefusalReason, remote: string | undefined): void {
  core.refuse(reason, remote);
  sock.on('error', noop);
  const fail = core.prepared.bannerFail;
  if (fail) sock.end(fail, () => sock.destroy());
  else sock.destroy();
}

function granted(core: ServiceCore, sock: net.Socket, remote: string | undefined, counted: boolean): void {
  core.countServed();
  if (counted) core.admission.opened(remote);
  const { banner, bannerSuccess } = core.prepared;
  const pre = banner && bannerSuccess ? Buffer.concat([banner, bannerSuccess]) : banner ?? bannerSuccess;
  if (pre) sock.write(pre, () => serve(core, sock, remote, counted));
  else serve(core, sock, remote, counted);
}

function serve(core: ServiceCore, sock: net.Socket, remote: string | undefined, counted: boolean): void {
  if (core.prepared.launch) return startConnectionServer(core, sock, remote);
  if (core.def.redirect) return relay(core, sock, remote, () => core.admission.closed(remote));
  const started = core.log.started();
  core.log.start(0, remote);
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    if (counted) core.admission.closed(remote);
    core.log.exit(0, 0, null, started);
  };
  const kind = core.internal;
  if (kind === 'tcpmux') {
    sock.on('error', noop);
    core.conns.add(sock);
    const done = (): void => {
      core.conns.delete(sock);
      finish();
    };
    sock.once('close', done);
    // Once handed to the named service, the connection is that service's: tcpmux's part is over.
    serveTcpmux(core.ctx, sock, remote, () => {
      sock.off('close', done);
      done();
    });
    return;
  }
  if (kind) return serveInternalStream(core, kind, sock, finish);
  sock.destroy();
  finish();
}

function noop(): void {}
