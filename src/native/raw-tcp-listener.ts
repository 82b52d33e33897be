// Why this exists: a net.Socket per connection is too costly for the one-write internal services.
import net from 'node:net';
import { getSystemErrorMap, getSystemErrorName } from 'node:util';

/**
 * A TCP listener for the internal services that need no stream machinery:
 * daytime and time (one write, then close), echo and discard (read, write
 * back or drop, close at EOF). It takes connections from libuv's TCP handle
 * directly instead of through net.Server: a net.Socket per connection (two
 * stream states, emitters, timers) costs a fifth or more of such a connection,
 * and that cost is what decides these services against xinetd's C loop.
 * Everything else in the super-server uses net.Server.
 *
 * The handle API is Node's internal one (process.binding('tcp_wrap') and
 * 'stream_wrap', stable through Node 20 and exercised by every internal-service
 * test). Where it is missing, openRawTcpListener returns undefined and the
 * caller uses net.Server.
 */

interface TcpHandle {
  close(cb?: () => void): void;
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  listen(backlog: number): number;
  getsockname(out: Record<string, unknown>): number;
  getpeername(out: Record<string, unknown>): number;
  writeBuffer(req: WriteReq, data: Buffer): number;
  readStart(): number;
  readStop(): number;
  onconnection: (status: number, client: TcpHandle | undefined) => void;
  /** Must always be a function: Node aborts the process on anything else. */
  onread: (arrayBuffer: ArrayBuffer | undefined) => void;
}
interface WriteReq {
  handle: TcpHandle;
  oncomplete: (status: number) => void;
  async: boolean;
  /** Keeps the bytes alive while the kernel has not taken them. */
  buffer?: Buffer;
}
interface Bindings {
  TCP: new (type: number) => TcpHandle;
  SERVER: number;
  WriteWrap: new () => WriteReq;
  state: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kLastWriteWasAsync: number;
}

const ignore = (): void => undefined;

/** libuv's UV_EOF. */
const UV_EOF = -4095;

let bindings: Bindings | null | undefined;

function load(): Bindings | null {
  if (bindings !== undefined) return bindings;
  try {
    const legacy = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
    const tcp = legacy('tcp_wrap') as { TCP: Bindings['TCP']; constants: { SERVER: number } };
    const s = legacy('stream_wrap') as {
      WriteWrap: Bindings['WriteWrap'];
      streamBaseState: Int32Array;
      kReadBytesOrError: number;
      kArrayBufferOffset: number;
      kLastWriteWasAsync: number;
    };
    const ok =
      typeof tcp.TCP === 'function' &&
      typeof s.WriteWrap === 'function' &&
      s.streamBaseState instanceof Int32Array &&
      [s.kReadBytesOrError, s.kArrayBufferOffset, s.kLastWriteWasAsync].every((k) => typeof k === 'number');
    bindings = ok
      ? {
          TCP: tcp.TCP,
          SERVER: tcp.constants.SERVER,
          WriteWrap: s.WriteWrap,
          state: s.streamBaseState,
          kReadBytesOrError: s.kReadBytesOrError,
          kArrayBufferOffset: s.kArrayBufferOffset,
          kLastWriteWasAsync: s.kLastWriteWasAsync,
        }
      : null;
  } catch {
    bindings = null;
  }
  return bindings;
}

/** One accepted connection. */
export interface RawTcpConnection {
  /** Read lazily (a system call): only when someone looks, while the connection is open. */
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** Writes, then closes (after the write if the kernel could not take it at once). */
  replyAndClose(data: Buffer): void;
  /**
   * Sends back everything read, closing at the peer's EOF once all is written
   * (RFC 862). Reading pauses while the kernel holds unwritten bytes.
   */
  echo(onClosed: () => void): void;
  /** Reads and drops everything, closing at the peer's EOF (RFC 863). */
  discard(onClosed: () => void): void;
  /** Closes now. */
  destroy(): void;
}

export interface RawTcpListener {
  readonly port: number;
  /** Stops listening; resolves when libuv has closed the socket. */
  close(): Promise<void>;
}

/**
 * Binds and listens (as net.Server.listen with exclusive: true would) and calls
 * onConnection for each connection. Returns undefined when this Node has no
 * usable TCP handle binding; throws on bind/listen errors with net.Server's words.
 */
export function openRawTcpListener(
  host: string,
  port: number,
  backlog: number,
  onConnection: (conn: RawTcpConnection) => void,
): RawTcpListener | undefined {
  const b = load();
  if (!b) return undefined;
  const server = new b.TCP(b.SERVER);
  let err = net.isIPv6(host) ? server.bind6(host, port, 0) : server.bind(host, port);
  if (err === 0) err = server.listen(backlog);
  if (err !== 0) {
    server.close();
    const code = getSystemErrorName(err);
    const description = getSystemErrorMap().get(err)?.[1] ?? 'error';
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
  let closed: Promise<void> | undefined;
  return {
    port: typeof name.port === 'number' ? name.port : port,
    close: () =>
      (closed ??= new Promise((resolve) => {
        server.onconnection = ignore;
        server.close(() => resolve());
      })),
  };
}

class Connection implements RawTcpConnection {
  private peer: Record<string, unknown> | undefined;
  private closed = false;
  private onClosed: (() => void) | undefined;

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
    if (this.write(data, () => this.destroy())) this.destroy();
  }

  echo(onClosed: () => void): void {
    this.onClosed = onClosed;
    let queued = 0;
    let atEof = false;
    this.read(
      (chunk) => {
        const done = this.write(chunk, () => {
          if (--queued > 0) return;
          if (atEof) this.destroy();
          else this.client.readStart();
        });
        if (!done) {
          queued++;
          this.client.readStop();
        }
      },
      () => {
        atEof = true;
        if (queued === 0) this.destroy();
      },
    );
  }

  discard(onClosed: () => void): void {
    this.onClosed = onClosed;
    this.read(
      () => undefined,
      () => this.destroy(),
    );
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.onread = ignore;
    this.client.close();
    this.onClosed?.();
  }

  /** True when the kernel took the bytes at once; otherwise `later` runs when it has. */
  private write(data: Buffer, later: () => void): boolean {
    if (this.closed) return true;
    const req = new this.b.WriteWrap();
    req.handle = this.client;
    req.async = false;
    req.buffer = data;
    req.oncomplete = (status) => (status < 0 ? this.destroy() : later());
    const err = this.client.writeBuffer(req, data);
    if (err !== 0) {
      this.destroy();
      return true;
    }
    return this.b.state[this.b.kLastWriteWasAsync] === 0;
  }

  /** Each chunk as it arrives; onEnd at EOF, and on a read error (a reset) the connection is closed. */
  private read(onData: (chunk: Buffer) => void, onEnd: () => void): void {
    const { state, kReadBytesOrError, kArrayBufferOffset } = this.b;
    this.client.onread = (arrayBuffer) => {
      const n = state[kReadBytesOrError]!;
      if (n > 0 && arrayBuffer) onData(Buffer.from(arrayBuffer, state[kArrayBufferOffset], n));
      else if (n === UV_EOF) onEnd();
      else if (n < 0) this.destroy();
    };
    if (this.client.readStart() !== 0) this.destroy();
  }
}
