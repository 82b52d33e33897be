import { spawn } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { lineSplitter } from '../util/line-splitter.js';

export const SPOOL_HELPER = 'hearth-spool';

/** A place in a spool stream: its generation and the byte offset in it. */
export interface SpoolPlace {
  gen: number;
  off: number;
}

/** "keep": a service's stream, never ends; "end": a pool worker's, ends when its writers are gone. */
export type SpoolMode = 'keep' | 'end';

export interface SpoolHelperOptions {
  helperPath: string;
  /** The helper's control socket (RUNTIME_DIR/spool.sock). */
  socketPath: string;
  spoolDir: string;
  fifoDir: string;
  /** Unjournaled bytes a stream may hold before its pipe is left full. */
  capBytes?: number;
  /** Start a new spool file past this size. */
  rotateBytes?: number;
  /** The helper could not be started, died, or came back. */
  onNotice?: (level: 'warn' | 'error' | 'info', message: string) => void;
}

export interface SpoolHelperEvents {
  /**
   * The stream's current generation and its size: bytes up to there can be read. `answer`: to a
   * watch or drain; `empty`: the pipe held nothing more when the helper answered.
   */
  state(key: string, gen: number, size: number, answer: boolean, empty: boolean): void;
  /** An "end" stream is finished at gen:size; the helper has let go of it. */
  ended(key: string, gen: number, size: number): void;
  /** The helper could not watch or drain a stream ("-": a bad request). */
  failed(key: string, message: string): void;
  /**
   * Every stream to watch, with how far hearthd got, to tell a helper after each
   * (re)connect: the owner knows this anyway, so no copy is kept here per stream.
   */
  watching(say: (key: string, mode: SpoolMode, journaled: SpoolPlace, read: SpoolPlace) => void): void;
}

const RETRY_MS = [0, 50, 200, 500, 1000, 2000];
const START_TIMEOUT_MS = 5000;

/**
 * hearthd's side of hearth-spool, the helper that moves service output from
 * its FIFOs into spool files with splice(2). The helper outlives hearthd: open()
 * connects to the one already running for this runtime dir, or starts one.
 * Should it die, it is started again and told every stream again, with how far
 * hearthd got; the bytes meanwhile wait in the pipes. Messages to it are
 * batched per turn of the event loop.
 */
export class SpoolHelper {
  private socket: Socket | undefined;
  private outgoing: string[] = [];
  private flushScheduled = false;
  private closing = false;
  private attempts = 0;
  private connectedAt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private reported = false;
  private firstConnect: { resolve(): void; reject(e: Error): void } | undefined;

  constructor(
    private readonly options: SpoolHelperOptions,
    private readonly events: SpoolHelperEvents,
  ) {}

  /** Resolves once connected to a running helper (started if need be); rejects if none can be started. */
  open(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.firstConnect = { resolve, reject };
      void this.connect();
    });
  }

  get connected(): boolean {
    return this.socket !== undefined;
  }

  /**
   * Drain KEY's FIFO into its spool; hearthd has journaled up to `journaled` and read up to `read`.
   * The helper answers with the stream's state, and says when bytes come past `read`.
   * Not connected: said with the others by watching() once connected.
   */
  watch(key: string, mode: SpoolMode, journaled: SpoolPlace, read: SpoolPlace): void {
    for (const line of watchLines(key, mode, journaled, read)) this.send(line);
  }

  /**
   * How far hearthd got; with room under the cap the helper drains on, with bytes past `read` it
   * says so (one "a" until the next progress: a watch alone never announces bytes).
   */
  progress(key: string, journaled: SpoolPlace, read: SpoolPlace): void {
    this.send(progressLine(key, journaled, read));
  }

  /** Move everything the pipe holds now; the answer is a state(). A key the helper does not watch is ignored there. */
  drain(key: string): void {
    this.send(`d ${key}`);
  }

  /**
   * Clean shutdown: the helper deletes the spool files that are fully
   * journaled and exits. Resolves when it has gone (or after a second).
   */
  close(): Promise<void> {
    this.closing = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const socket = this.socket;
    if (!socket) return Promise.resolve();
    this.send('q');
    this.flush();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, 1000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private send(line: string): void {
    if (!this.socket) return; // said again in full on the next connect
    this.outgoing.push(line);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (!this.socket || this.outgoing.length === 0) return;
    const text = `${this.outgoing.join('\n')}\n`;
    this.outgoing = [];
    this.socket.write(text);
  }

  private async connect(): Promise<void> {
    this.retryTimer = undefined;
    if (this.closing) return;
    let socket: Socket;
    try {
      socket = await dial(this.options.socketPath).catch(async () => {
        await this.start();
        return dial(this.options.socketPath);
      });
    } catch (e) {
      this.failedToConnect(e as Error);
      return;
    }
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.socket = socket;
    this.connectedAt = Date.now();
    if (this.reported) this.options.onNotice?.('info', `"${SPOOL_HELPER}" is back; output flows again`);
    this.reported = false;
    // A helper killed mid-read (ECONNRESET) must not be an unhandled 'error' that takes hearthd down; 'close' handles it.
    socket.on('error', () => undefined);
    socket.once('close', () => this.lost(socket));
    socket.setEncoding('utf8');
    socket.on('data', lineSplitter((line) => this.received(line)));
    // Everything it must know, in one write: a new helper knows nothing, a running one ignores repeats.
    const watches: string[] = [];
    this.events.watching((key, mode, journaled, read) => watches.push(...watchLines(key, mode, journaled, read)));
    this.outgoing = [...watches, ...this.outgoing];
    this.flush();
    this.firstConnect?.resolve();
    this.firstConnect = undefined;
  }

  private failedToConnect(e: Error): void {
    if (this.firstConnect) {
      this.firstConnect.reject(e);
      this.firstConnect = undefined;
    }
    if (!this.reported) this.options.onNotice?.('error', `"${SPOOL_HELPER}" cannot be reached: ${e.message}; service output waits in its pipes until it can`);
    this.reported = true;
    this.retry();
  }

  private lost(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    if (this.closing) return;
    // A helper that ran a while and died starts again at once; one that keeps dying, more slowly.
    if (Date.now() - this.connectedAt > 10_000) this.attempts = 0;
    this.options.onNotice?.('warn', `"${SPOOL_HELPER}" went away; starting it again (output waits in the pipes meanwhile, nothing is lost)`);
    this.retry();
  }

  private retry(): void {
    if (this.closing || this.retryTimer) return;
    const delay = RETRY_MS[Math.min(this.attempts++, RETRY_MS.length - 1)]!;
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }

  /**
   * Starts a helper and waits for its "ready". A predecessor still holding the spool's lock (killed,
   * its worker not gone yet) is waited for by the helper; "busy" means one kept it and may serve.
   */
  private start(): Promise<void> {
    const o = this.options;
    const args = ['--socket', o.socketPath, '--spool-dir', o.spoolDir, '--fifo-dir', o.fifoDir];
    if (o.capBytes) args.push('--cap', String(o.capBytes));
    if (o.rotateBytes) args.push('--rotate', String(o.rotateBytes));
    return new Promise<void>((resolve, reject) => {
      // Its own session: it must outlive hearthd, whatever signal ends hearthd's group.
      const child = spawn(o.helperPath, args, { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
      const timer = setTimeout(() => finish(new Error(`"${SPOOL_HELPER}" did not answer within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      let said = '';
      let done = false;
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        child.stdout?.destroy();
        child.unref();
        if (err) reject(err);
        else resolve();
      };
      child.once('error', (e) => finish(e));
      child.stdout!.on('data', (d: Buffer) => {
        said += d.toString();
        const line = said.split('\n')[0]!;
        if (!said.includes('\n')) return;
        if (line === 'ready' || line === 'busy') finish();
        else finish(new Error(line.replace(/^error /, '')));
      });
      child.once('exit', (code) => finish(new Error(`"${SPOOL_HELPER}" exited with code ${code} before it was ready${said ? `: ${said.trim()}` : ''}`)));
    });
  }

  private received(line: string): void {
    const [kind, key, a, b, c] = line.split(' ');
    if (!key) return;
    switch (kind) {
      case 's':
      case 'a':
        this.events.state(key, Number(a), Number(b), kind === 's', c === '1');
        return;
      case 'z':
        this.events.ended(key, Number(a), Number(b));
        return;
      case 'f':
        this.events.failed(key, line.slice(3 + key.length));
        return;
    }
  }
}

/** A watch, and the progress that arms the helper's notice of later bytes (a watch alone leaves them unannounced). */
function watchLines(key: string, mode: SpoolMode, journaled: SpoolPlace, read: SpoolPlace): [string, string] {
  return [`w ${key} ${mode === 'keep' ? 'k' : 'e'} ${journaled.gen} ${journaled.off} ${read.gen} ${read.off}`, progressLine(key, journaled, read)];
}

function progressLine(key: string, journaled: SpoolPlace, read: SpoolPlace): string {
  return `p ${key} ${journaled.gen} ${journaled.off} ${read.gen} ${read.off}`;
}

function dial(path: string): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.removeListener('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}
