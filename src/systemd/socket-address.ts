/**
 * The Listen*= values of .socket units: a port ("22", meaning every address,
 * IPv6 and IPv4), "addr:port", "[v6addr]:port" (with "%ifname"), an absolute
 * path for a unix socket, "@name" for an abstract one, "vsock:cid:port";
 * FIFOs, special files and message queues take paths; netlink takes
 * "family [group]".
 */
import { isIPv4, isIPv6 } from 'node:net';
import { checkPath } from './values.js';

export type SocketKind = 'stream' | 'datagram' | 'seqpacket' | 'fifo' | 'special' | 'mqueue' | 'usb-function' | 'netlink';

export type SocketListen =
  /** host null: every address (systemd binds [::] with dual-stack unless BindIPv6Only= says otherwise). */
  | { kind: 'stream' | 'datagram' | 'seqpacket'; family: 'inet'; host: string | null; port: number; scope?: string; key: string; value: string }
  | { kind: 'stream' | 'datagram' | 'seqpacket'; family: 'unix'; path: string; abstract: boolean; key: string; value: string }
  | { kind: 'stream' | 'datagram' | 'seqpacket'; family: 'vsock'; cid: number | null; port: number; key: string; value: string }
  | { kind: 'fifo' | 'special' | 'mqueue' | 'usb-function'; path: string; key: string; value: string }
  | { kind: 'netlink'; netlinkFamily: string; group: number; key: string; value: string };

const KIND_OF_KEY: Record<string, SocketKind> = {
  ListenStream: 'stream', ListenDatagram: 'datagram', ListenSequentialPacket: 'seqpacket', ListenFIFO: 'fifo',
  ListenSpecial: 'special', ListenMessageQueue: 'mqueue', ListenUSBFunction: 'usb-function', ListenNetlink: 'netlink',
};

const NETLINK_FAMILIES = ['route', 'firewall', 'inet-diag', 'nflog', 'xfrm', 'selinux', 'iscsi', 'audit', 'fib-lookup', 'connector', 'netfilter', 'ip6-fw', 'dnrtmsg', 'kobject-uevent', 'generic', 'scsitransport', 'ecryptfs', 'rdma', 'crypto', 'smc'];

type Parsed = (SocketListen & { notice?: string }) | { message: string };

function badAddress(value: string, range = false): Parsed {
  return { message: `Failed to parse address value in '${value}', ignoring: ${range ? 'Numerical result out of range' : 'Invalid argument'}` };
}

/** Moves /var/run/… to /run/…, as systemd does with a notice. */
function patchVarRun(key: string, path: string): { path: string; notice?: string } {
  if (!path.startsWith('/var/run/')) return { path };
  const fixed = path.replace(/^\/var\/run\//, '/run/');
  return { path: fixed, notice: `${key}= references a path below legacy directory /var/run/, updating ${path} → ${fixed}; please update the unit file accordingly.` };
}

/** systemd's parse_ip_port: 0 is invalid, past 65535 out of range. */
function parsePort(s: string): number | 'invalid' | 'range' {
  if (!/^[+]?\d+$/.test(s)) return 'invalid';
  const n = Number(s);
  if (n === 0) return 'invalid';
  return n <= 65535 ? n : 'range';
}

/** Parses one Listen*= value (specifiers already resolved). */
export function parseSocketAddress(key: string, value: string): Parsed {
  const kind = KIND_OF_KEY[key];
  if (!kind) return { message: `Unknown listen setting ${key}=` };
  if (kind === 'netlink') {
    const [family, group, extra] = value.trim().split(/\s+/);
    if (!family || extra !== undefined || !NETLINK_FAMILIES.includes(family) || (group !== undefined && !/^\d+$/.test(group))) {
      return { message: `Failed to parse address value in '${value}', ignoring: Invalid argument` };
    }
    return { kind, netlinkFamily: family, group: Number(group ?? 0), key, value };
  }
  if (kind !== 'stream' && kind !== 'datagram' && kind !== 'seqpacket') {
    const p = checkPath(value, key, 'absolute');
    if (!p.ok) return { message: p.message };
    const patched = kind === 'fifo' ? patchVarRun(key, p.path) : { path: p.path };
    return { kind, path: patched.path, key, value, ...(patched.notice ? { notice: patched.notice } : {}) };
  }
  let result: Parsed;
  if (value.startsWith('/') || value.startsWith('@')) {
    if (value.length > 108 || value === '@') return badAddress(value);
    const patched = value.startsWith('/') ? patchVarRun(key, value) : { path: value };
    result = { kind, family: 'unix', path: patched.path.replace(/^@/, ''), abstract: value.startsWith('@'), key, value, ...(patched.notice ? { notice: patched.notice } : {}) };
  } else if (value.startsWith('vsock:')) {
    const m = /^vsock:(\d*):(\d+)$/.exec(value);
    if (!m) return badAddress(value);
    result = { kind, family: 'vsock', cid: m[1] === '' ? null : Number(m[1]), port: Number(m[2]), key, value };
  } else {
    const port = parsePort(value);
    if (port === 'range') return badAddress(value, true);
    if (typeof port === 'number') result = { kind, family: 'inet', host: null, port, key, value };
    else {
      const v6 = /^\[([^\]%]+)(?:%([^\]]+))?\]:(\d+)$/.exec(value);
      const v4 = /^([0-9.]+):(\d+)$/.exec(value);
      let host: string;
      let portText: string;
      let scope: string | undefined;
      if (v6 && isIPv6(v6[1]!)) [host, scope, portText] = [v6[1]!, v6[2], v6[3]!];
      else if (v4 && isIPv4(v4[1]!)) [host, portText] = [v4[1]!, v4[2]!];
      else return badAddress(value);
      const p = parsePort(portText);
      if (typeof p !== 'number') return badAddress(value, p === 'range');
      result = { kind, family: 'inet', host, port: p, key, value, ...(scope ? { scope } : {}) };
    }
  }
  if (kind === 'seqpacket' && 'family' in result && result.family !== 'unix') return { message: `Address family not supported, ignoring: ${value}` };
  return result;
}
