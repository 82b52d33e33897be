import type net from 'node:net';
import { reverseLookup } from './name-lookup.js';
import type { RefusalReason } from '../model/index.js';
import type { RawTcpConnection } from '../native/index.js';
import { addressAllowed, toBytes } from './access.js';
import { queryIdent, type IdentResult } from './ident.js';
import { LONG_LIVED, answerAndClose, serveInternalRaw, serveInternalStream } from './internal-services.js';
import { relay } from './redirect.js';
import { startConnectionServer } from './server-launch.js';
import { serveTcpmux } from './tcpmux.js';
import type { ServiceCore } from './engine-context.js';

/**
 * The TCP connections of wait = no services, whichever listener took them:
 * each gets the banner first (xinetd prints it "regardless of access
 * control"), is admitted (limits, then address rules, with a reverse lookup
 * when a rule names a domain), then gets banner_success and goes to its
 * server, its redirect target or the internal service; or gets banner_fail.
 */

/** Does this connection hold an instance? Servers do, and the internal services xinetd forks for. */
function holdsInstance(core: ServiceCore): boolean {
  return !core.internal || LONG_LIVED.has(core.internal);
}

/** A connection accepted by the service's net.Server. */
export function acceptStream(core: ServiceCore, sock: net.Socket): void {
  const remote = sock.remoteAddress;
  const counted = holdsInstance(core);
  // Written before anything is decided, as xinetd's banner_always; a server
  // gets the socket only once it is out (granted() waits for it).
  const banner = core.prepared.banner;
  const bannerSent = banner ? new Promise<void>((resolve) => sock.write(banner, () => resolve())) : undefined;
  const reason = core.admit(remote, counted);
  if (reason) return refuseStream(core, sock, reason, remote);
  const access = core.prepared.access;
  if (access?.needsReverse) {
    sock.pause();
    const bytes = remote === undefined ? undefined : toBytes(remote);
    reverseLookup(remote ?? '').then((names) => names[0], () => undefined).then((name) => {
      if (!addressAllowed(access, bytes, name)) return refuseStream(core, sock, 'address', remote);
      granted(core, sock, remote, counted, bannerSent);
    }, noop);
    return;
  }
  granted(core, sock, remote, counted, bannerSent);
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
  // pid 0, as xinetd logs the services it answers without forking; daytime and time get no EXIT line.
  log.start(0, remote);
  if (answerAndClose(core.internal!, conn)) return;
  const started = log.started();
  if (counted) core.admission.opened(remote);
  serveInternalRaw(core, conn, () => {
    if (counted) core.admission.closed(remote);
    log.exit(0, 0, null, started);
  });
}

function refuseStream(core: ServiceCore, sock: net.Socket, reason: RefusalReason, remote: string | undefined): void {
  core.refuse(reason, remote);
  sock.on('error', noop);
  const ends = identEnds(sock);
  const fail = core.prepared.bannerFail;
  if (fail) sock.end(fail, () => sock.destroy());
  else if (core.prepared.banner) sock.end(() => sock.destroy());
  else sock.destroy();
  // xinetd asks the client's identd about refused connections too, except those its forked child refused.
  if (core.log.useridOnFailure && ends && !(reason === 'address' && core.forks)) {
    void queryIdent(ends).then((r) => r.ok && core.log.userid(r.text));
  }
}

function granted(core: ServiceCore, sock: net.Socket, remote: string | undefined, counted: boolean, bannerSent: Promise<void> | undefined): void {
  core.countServed();
  if (counted) core.admission.opened(remote);
  const go = (userid: string | undefined): void => {
    const success = core.prepared.bannerSuccess;
    const next = (): void => serve(core, sock, remote, counted, userid);
    // Writes complete in order: once banner_success is out, so is the banner.
    if (success) sock.write(success, next);
    else if (bannerSent) void bannerSent.then(next);
    else next();
  };
  const ends = core.log.useridOnSuccess ? identEnds(sock) : undefined;
  if (!ends) return go(undefined);
  // As xinetd's child does before it execs: ask first, and with IDONLY serve only the identified.
  sock.pause();
  void queryIdent(ends).then((r: IdentResult) => {
    if (r.ok) return go(r.text);
    if (!core.def.flags.includes('IDONLY')) return go(undefined);
    core.log.noid(remote, r.reason);
    sock.destroy();
    if (counted) core.admission.closed(remote);
  });
}

function serve(core: ServiceCore, sock: net.Socket, remote: string | undefined, counted: boolean, userid: string | undefined): void {
  if (core.prepared.launch) return startConnectionServer(core, sock, remote, userid);
  if (core.def.redirect) return relay(core, sock, remote, userid, () => core.admission.closed(remote));
  const log = core.log;
  log.start(0, remote);
  if (userid !== undefined) log.userid(userid);
  const started = log.started();
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    if (counted) core.admission.closed(remote);
    // Only what xinetd forks for has an exit to log.
    if (counted) log.exit(0, 0, null, started);
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

function identEnds(sock: net.Socket): { remoteAddress: string; remotePort: number; localAddress: string; localPort: number } | undefined {
  const { remoteAddress, remotePort, localAddress, localPort } = sock;
  if (!remoteAddress || !remotePort || !localAddress || !localPort) return undefined;
  return { remoteAddress, remotePort, localAddress, localPort };
}

function noop(): void {}
