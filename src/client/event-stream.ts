import type { ClientRequest, IncomingMessage } from 'node:http';
import { HearthError, type ErrorCode } from '../errors/index.js';
import { SseParser } from './sse-parser.js';

/** The `error` event hearthd sends before it ends a stream, as an error for the caller. */
function streamError(data: string): HearthError {
  try {
    const e = JSON.parse(data) as { code?: string; message?: string; hint?: string };
    return new HearthError((e.code ?? 'ERR_DAEMON_ERROR') as ErrorCode, e.message ?? 'hearthd ended the stream', e.hint ? { hint: e.hint } : {});
  } catch {
    return new HearthError('ERR_DAEMON_ERROR', `hearthd ended the stream: ${data.slice(0, 200)}`);
  }
}

/**
 * A live SSE subscription read as an async iterator of decoded JSON payloads.
 * `close()` ends it from our side; the iterator also ends when the daemon
 * closes the stream, and throws if the connection breaks.
 */
export class EventStream<T> implements AsyncIterable<T> {
  private readonly queue: T[] = [];
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private done = false;
  private failure: unknown;
  private response: IncomingMessage | undefined;
  private readonly parser = new SseParser();
  /** Resolves once the daemon has subscribed us (its first bytes arrived). */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private failReady!: (e: unknown) => void;

  constructor(
    private readonly request: ClientRequest,
    private readonly decode: (data: string, event: string) => T | undefined,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    // Nobody may await ready; do not let its rejection crash the process.
    this.ready.catch(() => {});
  }

  /** Called by the client once the response headers are in and were a 2xx. */
  attach(res: IncomingMessage): void {
    this.response = res;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.markReady();
      for (const m of this.parser.push(chunk)) {
        if (m.event === 'error') {
          // hearthd ended the stream on purpose (this follower fell behind): say why rather than just stop.
          this.fail(streamError(m.data));
          return;
        }
        const value = this.decode(m.data, m.event);
        if (value !== undefined) this.deliver(value);
      }
    });
    res.on('end', () => this.finish());
    res.on('close', () => this.finish());
    res.on('error', (e) => this.fail(e));
  }

  fail(e: unknown): void {
    if (this.done) return;
    this.failure = e;
    this.failReady(e);
    this.finish();
  }

  close(): void {
    if (this.done) return;
    this.finish();
    this.response?.destroy();
    this.request.destroy();
  }

  private deliver(value: T): void {
    if (this.done) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w.resolve({ value, done: false });
    } else this.queue.push(value);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.markReady();
    const w = this.waiting;
    this.waiting = undefined;
    if (!w) return;
    if (this.failure !== undefined) w.reject(this.failure);
    else w.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    const value = this.queue.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.done) {
      if (this.failure !== undefined) {
        const f = this.failure;
        this.failure = undefined;
        return Promise.reject(f);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return { value: undefined, done: true };
      },
    };
  }
}
