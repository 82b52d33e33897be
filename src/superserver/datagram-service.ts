import type dgram from 'node:dgram';
import { reverseLookup } from './name-lookup.js';
import { addressAllowed, toBytes } from './access.js';
import { internalDatagramReply } from './internal-services.js';
import type { UdpReplyLimit } from './udp-reply-limit.js';
import type { ServiceCore } from './engine-context.js';

/**
 * One datagram to a UDP internal service (echo, discard, chargen, daytime,
 * time): admitted like a connection, then answered within the reply limit.
 * Datagrams from another small service's port are dropped unanswered, which
 * is how echo <-> chargen loops are stopped before they start.
 */
export function onDatagram(core: ServiceCore, limit: UdpReplyLimit, sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
  if (rinfo.port === 0 || core.ctx.udpGuardPorts.has(rinfo.port)) return;
  const reason = core.admit(rinfo.address, false);
  if (reason) return core.refuse(reason, rinfo.address);
  const access = core.prepared.access;
  if (access?.needsReverse) {
    const bytes = toBytes(rinfo.address);
    reverseLookup(rinfo.address).then((n) => n[0], () => undefined).then((name) => {
      if (!addressAllowed(access, bytes, name)) core.refuse('address', rinfo.address);
      else answer(core, limit, sock, msg, rinfo);
    }, noop);
    return;
  }
  answer(core, limit, sock, msg, rinfo);
}

function answer(core: ServiceCore, limit: UdpReplyLimit, sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
  core.countServed();
  core.log.start(0, rinfo.address);
  if (core.internal === 'discard' || !core.internal) return;
  if (!limit.allow(rinfo.address)) return;
  const reply = internalDatagramReply(core.ctx, core.internal, msg);
  if (reply) sock.send(reply, rinfo.port, rinfo.address, noop);
}

function noop(): void {}
