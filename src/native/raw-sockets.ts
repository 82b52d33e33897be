import { getSystemErrorName } from 'node:util';
import { renameSync } from 'node:fs';
import { isIP } from 'node:net';
import { HearthError } from '../errors/index.js';

// Why this exists: net and dgram cannot bind a socket without also listening on or reading from it.

/**
 * Sockets that hearthd binds but never watches, so a child can own them:
 * Node's net/dgram start accepting or reading as soon as they listen, which
 * would steal the first connection or datagram from a wait=yes server or a
 * socket-activated service. libuv's handles, used directly, only bind; the
 * listen(2) call is made by the fd helper (fd-waiter.ts). These bindings
 * are internal to Node but stable across 16–22; they are used here only.
 */
interface RawHandle {
  fd: number;
  bind?(addr: string, port: number, flags?: number): number;
  bind6?(addr: string, port: number, flags: number): number;
  getsockname?(out: Record<string, unknown>): number;
  close(cb?: () => void): void;
}

type Binding = Record<string, unknown>;
const binding = (name: string): Binding => (process as unknown as { binding(n: string): Binding }).binding(name);

export interface RawSocket {
  kind: 'tcp' | 'udp' | 'unix';
  fd: number;
  /** Bound address and port (port 0 resolved); the path for unix sockets. */
  address: string;
  port: number;
  /** Closes hearthd's copy of the socket; resolves when libuv has closed it (children keep their own copies). */
  close(): Promise<void>;
}

function fail(what: string, err: number): never {
  const name = getSystemErrorName(err);
  throw new HearthError('ERR_SPAWN', `cannot bind ${what}: ${name}`, {
    ...(name === 'EADDRINUSE' ? { hint: 'another program (or another service) already uses it' } : {}),
    ...(name === 'EACCES' ? { hint: 'ports below 1024 need root; set [inetd] port_offset in hearth.toml' } : {}),
  });
}

function wrap(kind: RawSocket['kind'], h: RawHandle, address: string, port: number): RawSocket {
  let closed: Promise<void> | undefined;
  return {
    kind,
    fd: h.fd,
    address,
    port,
    close: () => (closed ??= new Promise((resolve) => h.close(() => resolve()))),
  };
}

/** IPV6ONLY for "::" when the service is IPv6 only (xinetd's v6only); libuv flag value 1. */
export function bindRawTcp(host: string, port: number, v6only = false): RawSocket {
  const { TCP, constants } = binding('tcp_wrap') as { TCP: new (t: number) => RawHandle; constants: { SERVER: number } };
  const h = new TCP(constants.SERVER);
  const fam = isIP(host);
  const err = fam === 6 ? h.bind6!(host, port, v6only ? 1 : 0) : h.bind!(host, port);
  if (err) {
    h.close();
    fail(`tcp ${fam === 6 ? `[${host}]` : host}:${port}`, err);
  }
  const out: Record<string, unknown> = {};
  h.getsockname!(out);
  // libuv defers a TCP bind's EADDRINUSE to listen(), which we never call through
  // libuv: an unbound socket shows up here as port 0 (or another port).
  const bound = Number(out.port ?? 0);
  if (bound === 0 || (port !== 0 && bound !== port)) {
    h.close();
    fail(`tcp ${fam === 6 ? `[${host}]` : host}:${port}`, -98);
  }
  return wrap('tcp', h, host, bound);
}

export function bindRawUdp(host: string, port: number, v6only = false): RawSocket {
  const { UDP } = binding('udp_wrap') as { UDP: new () => RawHandle };
  const h = new UDP();
  const fam = isIP(host);
  // UV_UDP_IPV6ONLY = 1
  const err = fam === 6 ? h.bind6!(host, port, v6only ? 1 : 0) : h.bind!(host, port, 0);
  if (err) {
    h.close();
    fail(`udp ${fam === 6 ? `[${host}]` : host}:${port}`, err);
  }
  const out: Record<string, unknown> = {};
  h.getsockname!(out);
  return wrap('udp', h, host, Number(out.port ?? port));
}

/**
 * libuv unlinks a bound pipe's path when the handle closes, which would pull
 * the socket file from under the service we hand it to. So bind under a
 * temporary name and rename it into place: libuv then unlinks a name that no
 * longer exists.
 */
export function bindRawUnix(path: string): RawSocket {
  const { Pipe, constants } = binding('pipe_wrap') as { Pipe: new (t: number) => RawHandle & { bind(p: string): number }; constants: { SERVER: number } };
  const h = new Pipe(constants.SERVER);
  const temp = `${path}.hearth-${process.pid}-${++unixCounter}`;
  const err = h.bind(temp);
  if (err) {
    h.close();
    fail(`unix socket "${path}"`, err);
  }
  try {
    renameSync(temp, path);
  } catch (e) {
    h.close();
    throw new HearthError('ERR_SPAWN', `cannot bind unix socket "${path}": ${(e as Error).message}`);
  }
  return wrap('unix', h, path, 0);
}
let unixCounter = 0;
