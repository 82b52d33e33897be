import net from 'node:net';
import { getSystemErrorMap, getSystemErrorName } from 'node:util';

/**
 * A TCP listener for services that answer every connection with one short
 * write and a close (internal daytime and time). It takes connections from
 * libuv's TCP handle directly instead of through net.Server: a net.Socket per
 * connection (two stream states, emitters, timers) is about a fifth of the cost
 * of such a connection, and that cost is what decides daytime against xinetd's
 * C loop. Everything else in the super-server uses net.Server.
 *
 * The handle API is Node's internal one (process.binding, stable across Node
 * 20's lifetime, exercised by every daytime test). Where it is missing,
 * openOneShotListener returns undefined and the caller uses net.Server.
 */

interface UvHandle {
  close(cb?: () => void): void;
}
interface TcpHandle extends UvHandle {
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  listen(backlog: number): number;
  getsockname(out: Record<string, unknown>): number;
  getpeername(out: Record<string, unknown>): number;
  writeBuffer(req: WriteReq, data: Buffer): number;
  onconnection: ((status: number, client: TcpHandle | undefined) => void) | null;
}
interface WriteReq {
  handle: TcpHandle;
  oncomplete: (status: number) => void;
  async: boolean;
}
interface Bindings {
  TCP: new (type: number) => TcpHandle;
  SERVER: number;
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

let bindings: Bindings | null | undefined;

function load(): Bindings | null {
  if (bindings !== undefined) return bindings;
  try {
    const legacy = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
    const tcp = legacy('tcp_wrap') as { TCP: Bindings['TCP']; constants: { SERVER: number } };
    const stream = legacy('stream_wrap') as { WriteWrap: Bindings['WriteWrap']; streamBaseState: Int32Array; kLastWriteWasAsync: number };
    const ok = typeof tcp.TCP === 'function' && typeof stream.WriteWrap === 'function' && stream.streamBaseState instanceof Int32Array;
    bindings = ok
      ? { TCP: tcp.TCP, SERVER: tcp.constants.SERVER, WriteWrap: stream.WriteWrap, streamBaseState: stream.streamBaseState, kLastWriteWasAsync: stream.kLastWriteWasAsync }
      : null;
  } catch {
    bindings = null;
  }
  return bindings;
}

/** One accepted connection: who it is from, and the single answer it gets. */
export interface OneShotConnection {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** Writes the bytes, then closes (after the write if the kernel could not take it at once). */
  replyAndClose(data: Buffer): void;
  close(): void;
}

export interface OneShotListener {
  readonly port: number;
  close(): void;
}

/**
 * Binds and listens (as net.Server.listen with exclusive: true would) and calls
 * onConnection for each connection. Returns undefined when this Node has no
 * usable TCP handle binding; throws on bind/listen errors, naming the address.
 */
export function openOneShotListener(
  host: string,
  port: number,
  backlog: number,
  onConnection: (conn: OneShotConnection) => void,
): OneShotListener | undefined {
  const b = load();
  if (!b) return undefined;
  const server = new b.TCP(b.SERVER);
  let err = net.isIPv6(host) ? server.bind6(host, port, 0) : server.bind(host, port);
  if (err === 0) err = server.listen(backlog);
  if (err !== 0) {
    server.close();
    const code = getSystemErrorName(err);
    const description = getSystemErrorMap().get(err)?.[1] ?? 'error';
    // The same words net.Server would use, so messages do not depend on the listener kind.
    const e = new Error(`listen ${code}: ${description} ${host}:${port}`) as NodeJS.ErrnoException;
    e.errno = err;
    e.code = code;
    throw e;
  }
  const name: Record<string, unknown> = {};
  server.getsockname(name);
  server.onconnection = (status, client) => {
    if (status !== 0 || !client) return;
    onConnection(new Connection(client, b));
  };
  return {
    port: typeof name.port === 'number' ? name.port : port,
    close: () => {
      server.onconnection = null;
      server.close();
    },
  };
}

/** The peer is asked for only when someone looks: a service without access rules or logging never needs it. */
class Connection implements OneShotConnection {
  private peer: Record<string, unknown> | undefined;
  private closed = false;

  constructor(
    private readonly client: TcpHandle,
    private readonly b: Bindings,
  ) {}

  private get peerName(): Record<string, unknown> {
    if (!this.peer) {
      this.peer = {};
      this.client.getpeername(this.peer);
    }
    return this.peer;
  }

  get remoteAddress(): string | undefined {
    const a = this.peerName.address;
    return typeof a === 'string' ? a : undefined;
  }

  get remotePort(): number | undefined {
    const p = this.peerName.port;
    return typeof p === 'number' ? p : undefined;
  }

  replyAndClose(data: Buffer): void {
    const req = new this.b.WriteWrap();
    req.handle = this.client;
    req.oncomplete = () => this.close();
    req.async = false;
    const err = this.client.writeBuffer(req, data);
    // A short write to a fresh socket is done at once; if the kernel queued it, close when it completes.
    if (err !== 0 || this.b.streamBaseState[this.b.kLastWriteWasAsync] === 0) this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }
}
