import net from 'node:net';
import dgram from 'node:dgram';
import { describeError } from '../errors/index.js';
import { Acceptor, bindRawTcp, openRawTcpListener, type RawTcpConnection, type ServerProcess } from '../native/index.js';

/**
 * The ways an inetd-style service listens, behind one shape. Each close()
 * resolves only when no copy of the socket is left open in hearthd or in a
 * helper it started, so a reload, a switch-off or stop() can promise the
 * caller that the port is free. (A wait = yes server that owns the socket
 * keeps its copy until it exits, as under xinetd.)
 */
export interface Listener {
  /** The port actually bound (port 0 resolved). */
  readonly port: number;
  close(): Promise<void>;
}

export interface Endpoint {
  host: string;
  port: number;
}

/** A net.Server for the connections hearthd handles itself (banners, reverse lookups, relays, tcpmux, fallbacks). */
export function listenStream(
  at: Endpoint,
  options: { pauseOnConnect: boolean; allowHalfOpen: boolean; noDelay: boolean; keepAlive: boolean },
  onConnection: (sock: net.Socket) => void,
  onError: (message: string) => void,
): Promise<Listener> {
  const server = net.createServer(options, onConnection);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: at.host, port: at.port, exclusive: true, backlog: 1024 }, () => {
      server.off('error', reject);
      server.on('error', (e) => onError(e.message));
      const a = server.address();
      let closed: Promise<void> | undefined;
      resolve({
        port: typeof a === 'object' && a ? a.port : at.port,
        // net.Server's own close callback waits for every open connection, so
        // it cannot tell when the port is free. libuv closes the listening fd
        // inside uv_close(), which server.close() calls before it returns: the
        // port is free once this promise exists (superserver-release.test.ts).
        close: () => (closed ??= new Promise<void>((done) => {
          server.close();
          done();
        })),
      });
    });
  });
}

/** daytime, time, echo and discard on the raw TCP handle; undefined when this Node has no usable handle binding. */
export function listenRaw(at: Endpoint, onConnection: (conn: RawTcpConnection) => void): Listener | undefined {
  return openRawTcpListener(at.host, at.port, 1024, onConnection);
}

export function listenDatagram(
  at: Endpoint,
  onMessage: (sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo) => void,
  onError: (message: string) => void,
): Promise<Listener> {
  const sock = dgram.createSocket({ type: net.isIP(at.host) === 6 ? 'udp6' : 'udp4' });
  sock.on('message', (msg, rinfo) => onMessage(sock, msg, rinfo));
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address: at.host, port: at.port, exclusive: true }, () => {
      sock.off('error', reject);
      sock.on('error', (e) => onError(e.message));
      let closed: Promise<void> | undefined;
      resolve({
        port: sock.address().port,
        close: () => (closed ??= new Promise<void>((done) => {
          try {
            sock.close(() => done());
          } catch {
            done(); // already closed
          }
        })),
      });
    });
  });
}

export interface AcceptorLaunch {
  file: string;
  args: string[];
  argv0: string | undefined;
  umask: number | undefined;
  env: Record<string, string>;
  /** REMOTE_ADDR and REMOTE_PORT besides REMOTE_HOST (false: xinetd's environment). */
  remoteAddrPort: boolean;
  /** cgroup.procs files each server joins before it runs. */
  cgroups?: string[];
  nodelay: boolean;
  keepalive: boolean;
}

/**
 * A plain wait = no TCP service served by hearth-acceptor: the helper accepts
 * and starts servers, while `decide` (admission, address rules) and `onServer`
 * (counting, logging) stay in hearthd. Resolves undefined when the helper
 * itself fails (after onError says so), so the caller can serve the port itself.
 */
export async function listenAcceptor(
  helperPath: string,
  at: Endpoint,
  launch: AcceptorLaunch,
  hooks: {
    decide(remote: string): boolean;
    onServer(server: ServerProcess, remote: string): void;
    onError(message: string): void;
  },
): Promise<Listener | undefined> {
  const raw = bindRawTcp(at.host, at.port, false);
  const acceptor = new Acceptor(helperPath, {
    fd: raw.fd,
    file: launch.file,
    args: launch.args,
    ...(launch.argv0 ? { argv0: launch.argv0 } : {}),
    ...(launch.umask !== undefined ? { umask: launch.umask } : {}),
    env: launch.env,
    ...(launch.cgroups ? { cgroups: launch.cgroups } : {}),
    ...(launch.remoteAddrPort ? {} : { remoteHostOnly: true }),
    nodelay: launch.nodelay,
    keepalive: launch.keepalive,
    decide: (remote) => hooks.decide(remote),
    onServer: (server, remote) => hooks.onServer(server, remote),
    onNotice: (_level, message) => hooks.onError(message),
  });
  try {
    await acceptor.start();
  } catch (e) {
    // The port itself was free (bindRawTcp said so): the helper is at fault.
    await raw.close();
    hooks.onError(`${describeError(e)}; accepting in hearthd instead`);
    return undefined;
  }
  let closed: Promise<void> | undefined;
  return {
    port: raw.port,
    close: () => (closed ??= Promise.all([acceptor.close(), raw.close()]).then(() => undefined)),
  };
}
