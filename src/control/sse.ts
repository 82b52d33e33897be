import type { Writable } from 'node:stream';
import type { Reply } from '../http/index.js';

/** What a route pushes into an open SSE stream. */
export interface SseSink {
  /** A live message: counts against the follower's buffer. */
  send(event: string, data: unknown): void;
  /**
   * A message of the history a follow starts with: not counted, because its
   * size is bounded by the query that produced it, and it goes out at once.
   */
  sendBacklog(event: string, data: unknown): void;
  comment(text: string): void;
  /** The follower fell too far behind (also what send() does on its own when the buffer is full). */
  behind(): void;
  close(): void;
}

export interface SseOptions {
  /** Interval of ": keep-alive" comments, so proxies and idle timers keep the stream open. */
  keepAliveMs: number;
  /** Live bytes held for a follower that does not read; past this it is told and cut off. Default 1 MiB. */
  maxQueuedBytes?: number;
  /**
   * How long a follower that was told has to read the notice before its
   * connection is destroyed. Default 30 s. A follower that does not read at
   * all never takes the notice or the end of the stream, so only this frees
   * its socket.
   */
  graceMs?: number;
  /** Subscribe here; return the unsubscribe. Runs before the first byte goes out. */
  start(sink: SseSink): () => void;
}

export const DEFAULT_FOLLOWER_BUFFER_BYTES = 1024 * 1024;
const DEFAULT_GRACE_MS = 30_000;

const frame = (event: string, data: unknown): Buffer => Buffer.from(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
  // A stream is a connection of its own: when it ends (a follower cut off, hearthd
  // closing), the connection goes too, and a client that wants more reconnects.
  connection: 'close',
};

/** A text/event-stream reply: the stream starts once the head is written (see pipeSse). */
export function sseReply(options: SseOptions): Reply {
  return { status: 200, headers: { ...SSE_HEADERS }, stream: (res) => pipeSse(res, options) };
}

/**
 * Feeds an event stream into `out` (the HTTP response) with one bounded buffer
 * per follower. Bytes leave the buffer only while `out` takes them: once a
 * write says the socket is full, nothing more is written until it drains. So a
 * follower that stops reading shows up here as a growing buffer; past the cap
 * the buffer is dropped, replaced by an `error` event (ERR_FOLLOWER_BEHIND)
 * saying how much was lost, and the stream ends. When `out` closes (the client
 * went away, or hearthd closes the server) the subscription is released.
 */
export function pipeSse(out: Writable, options: SseOptions): void {
  const maxQueued = options.maxQueuedBytes ?? DEFAULT_FOLLOWER_BUFFER_BYTES;
  let queue: Buffer[] = [];
  let queuedBytes = 0;
  let backlogBytes = 0;
  let dropped = 0;
  let ended = false;
  /** Everything was handed to `out` and it was ended, or `out` closed: nothing more to do. */
  let finished = false;
  /** The last write filled the socket's buffer: wait for 'drain'. */
  let blocked = false;
  let scheduled = false;
  let cleanup: (() => void) | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  let grace: NodeJS.Timeout | undefined;

  /** Writes what is queued, as one chunk, once per burst of messages. */
  const flush = (): void => {
    scheduled = false;
    if (finished || blocked) return;
    if (queue.length > 0) {
      const chunk = queue.length === 1 ? queue[0]! : Buffer.concat(queue, queuedBytes);
      queue = [];
      queuedBytes = 0;
      backlogBytes = 0;
      blocked = !out.write(chunk);
    }
    if (ended && queue.length === 0 && !blocked) {
      finished = true;
      if (grace) clearTimeout(grace);
      out.end();
    }
  };
  const schedule = (): void => {
    if (scheduled || finished) return;
    scheduled = true;
    queueMicrotask(flush);
  };
  const release = (): void => {
    if (keepAlive) clearInterval(keepAlive);
    keepAlive = undefined;
    const c = cleanup;
    cleanup = undefined;
    c?.();
  };
  /** No more messages: what is queued still goes out, then the stream closes. */
  const end = (): void => {
    if (ended) return;
    ended = true;
    release();
    schedule();
  };
  const abort = (): void => {
    end();
    finished = true;
    if (grace) clearTimeout(grace);
  };
  const push = (bytes: Buffer, backlog: boolean): void => {
    if (ended) return;
    if (!backlog && queuedBytes - backlogBytes + bytes.byteLength > maxQueued) {
      dropped += 1;
      behind();
      return;
    }
    queue.push(bytes);
    queuedBytes += bytes.byteLength;
    if (backlog) backlogBytes += bytes.byteLength;
    schedule();
  };
  const behind = (): void => {
    if (ended) return;
    const lost = queue.length + dropped;
    queue = [];
    queuedBytes = 0;
    backlogBytes = 0;
    push(
      frame('error', {
        code: 'ERR_FOLLOWER_BEHIND',
        message: `this follower fell more than ${maxQueued} bytes behind; ${lost} messages were dropped and the stream ends here`,
        hint: 'reconnect, and read faster or follow less',
      }),
      true,
    );
    end();
    grace = setTimeout(() => {
      if (!finished) out.destroy();
    }, options.graceMs ?? DEFAULT_GRACE_MS);
    grace.unref();
  };

  const sink: SseSink = {
    send: (event, data) => push(frame(event, data), false),
    sendBacklog: (event, data) => push(frame(event, data), true),
    comment: (text) => push(Buffer.from(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`), false),
    behind,
    close: end,
  };

  // A write to a socket that just went is reported here and in 'close'; 'close' is what counts.
  out.on('error', () => undefined);
  if (out.destroyed) return;
  out.once('close', abort);
  out.on('drain', () => {
    blocked = false;
    flush();
  });
  // First bytes flush the headers and tell the client it is subscribed.
  sink.comment('connected');
  const unsubscribe = options.start(sink);
  if (ended) unsubscribe();
  else {
    cleanup = unsubscribe;
    keepAlive = setInterval(() => sink.comment('keep-alive'), options.keepAliveMs);
  }
}
