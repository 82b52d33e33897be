import { connect, type Socket } from 'node:net';

export interface TcpWaitOptions {
  /** Between refused connections. */
  intervalMs?: number;
  /**
   * Asked once a connection is accepted, with the address it reached: false
   * means "not the listener we wait for" (someone else's), and the wait goes
   * on, more slowly, since the answer is unlikely to change soon.
   */
  accept?: (address: string) => boolean;
  /** Between accepted connections that accept() turned down (each judgement reads /proc/net/tcp, which is not cheap). */
  turnedDownIntervalMs?: number;
}

/**
 * Polls a TCP port until something accepts (and accept() agrees). Returns a
 * cancel function; calls onReady once. A refused connection is the normal
 * "not yet" answer.
 */
export function waitForTcp(host: string, port: number, onReady: () => void, options: TcpWaitOptions = {}): () => void {
  const intervalMs = options.intervalMs ?? 50;
  let cancelled = false;
  let timer: NodeJS.Timeout | undefined;
  const again = (ms: number) => {
    if (!cancelled) timer = setTimeout(attempt, ms);
  };
  const attempt = () => {
    if (cancelled) return;
    const socket = connect({ host, port });
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      // Judged while the connection is still open: a server closed on
      // abruptly may die of the reset (an unhandled ECONNRESET) before it
      // could be judged.
      const accepted = !cancelled && (!options.accept || options.accept(socket.remoteAddress ?? host));
      closeGently(socket);
      if (cancelled) return;
      if (!accepted) return again(options.turnedDownIntervalMs ?? 500);
      cancelled = true;
      onReady();
    });
    socket.once('error', () => {
      if (connected) return;
      socket.destroy();
      again(intervalMs);
    });
  };
  attempt();
  return () => {
    cancelled = true;
    if (timer) clearTimeout(timer);
  };
}

/**
 * Ends a probe connection the polite way: our FIN, whatever the server says
 * read and dropped, so the server sees a client that left rather than a
 * reset. One that never closes its side is reset after a second.
 */
function closeGently(socket: Socket): void {
  socket.on('error', () => undefined);
  const timer = setTimeout(() => socket.destroy(), 1000);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.resume();
  socket.end();
}

/**
 * Watches a service's output for a line matching a pattern. Output arrives in
 * arbitrary chunks, so keep the unfinished tail (bounded: a line longer than
 * 64 KiB is tested as it stands rather than buffered forever).
 */
export class LineMatcher {
  private tail = '';
  constructor(private readonly pattern: RegExp) {}

  feed(chunk: Buffer): boolean {
    const text = this.tail + chunk.toString('utf8');
    const lines = text.split('\n');
    this.tail = lines.pop() ?? '';
    if (this.tail.length > 65536) {
      lines.push(this.tail);
      this.tail = '';
    }
    return lines.some((l) => this.pattern.test(l.replace(/\r$/, '')));
  }
}

export interface NotifyMessage {
  ready: boolean;
  stopping: boolean;
  reloading: boolean;
  status?: string;
  mainPid?: number;
}

/** Parses an sd_notify datagram: newline-separated KEY=VALUE assignments. */
export function parseNotify(payload: Buffer): NotifyMessage {
  const msg: NotifyMessage = { ready: false, stopping: false, reloading: false };
  for (const line of payload.toString('utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'READY' && value === '1') msg.ready = true;
    else if (key === 'STOPPING' && value === '1') msg.stopping = true;
    else if (key === 'RELOADING' && value === '1') msg.reloading = true;
    else if (key === 'STATUS') msg.status = value.slice(0, 1024);
    else if (key === 'MAINPID' && /^\d+$/.test(value)) msg.mainPid = Number(value);
  }
  return msg;
}
