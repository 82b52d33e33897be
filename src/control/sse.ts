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
  /** The request's abort signal: the client went away. */
  signal?: AbortSignal;
  /** Interval of ": keep-alive" comments, so proxies and idle timers keep the stream open. */
  keepAliveMs: number;
  /** Live bytes held for a follower that does not read; past this it is told and cut off. Default 1 MiB. */
  maxQueuedBytes?: number;
  /** How long a follower that was told has to read the notice before disconnect() runs. Default 30 s. */
  graceMs?: number;
  /**
   * Closes the connection under the stream (the HTTP server's response). A
   * follower that does not read at all never pulls the notice or the end of
   * the stream, so only this frees its socket.
   */
  disconnect?: () => void;
  /** Subscribe here; return the unsubscribe. Runs before the first byte goes out. */
  start(sink: SseSink): () => void;
}

export const DEFAULT_FOLLOWER_BUFFER_BYTES = 1024 * 1024;
const DEFAULT_GRACE_MS = 30_000;

const encoder = new TextEncoder();
const frame = (event: string, data: unknown): Uint8Array => encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

/**
 * A text/event-stream Response with one bounded buffer per follower. The
 * stream is pulled: bytes leave the buffer only when the HTTP side asks for
 * more, which it does only while the socket drains. So a follower that stops
 * reading shows up here as a growing buffer; past the cap the buffer is
 * dropped, replaced by an `error` event (ERR_FOLLOWER_BEHIND) saying how much
 * was lost, and the stream ends. The same object works under app.request() in
 * tests and under @hono/node-server, which cancels the stream when the socket
 * closes (that is when we unsubscribe).
 */
export function sseResponse(options: SseOptions): Response {
  const maxQueued = options.maxQueuedBytes ?? DEFAULT_FOLLOWER_BUFFER_BYTES;
  let queue: Uint8Array[] = [];
  let queuedBytes = 0;
  let backlogBytes = 0;
  let dropped = 0;
  let ended = false;
  let finished = false;
  let wake: (() => void) | undefined;
  let cleanup: (() => void) | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  let grace: NodeJS.Timeout | undefined;

  const release = (): void => {
    if (keepAlive) clearInterval(keepAlive);
    keepAlive = undefined;
    options.signal?.removeEventListener('abort', abort);
    const c = cleanup;
    cleanup = undefined;
    c?.();
  };
  /** No more messages: what is queued still goes out, then the stream closes. */
  const end = (): void => {
    if (ended) return;
    ended = true;
    release();
    wake?.();
  };
  const abort = (): void => {
    end();
    finished = true;
    if (grace) clearTimeout(grace);
  };
  const push = (bytes: Uint8Array, backlog: boolean): void => {
    if (ended) return;
    if (!backlog && queuedBytes - backlogBytes + bytes.byteLength > maxQueued) {
      dropped += 1;
      behind();
      return;
    }
    queue.push(bytes);
    queuedBytes += bytes.byteLength;
    if (backlog) backlogBytes += bytes.byteLength;
    wake?.();
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
      if (!finished) options.disconnect?.();
    }, options.graceMs ?? DEFAULT_GRACE_MS);
    grace.unref();
  };

  const sink: SseSink = {
    send: (event, data) => push(frame(event, data), false),
    sendBacklog: (event, data) => push(frame(event, data), true),
    comment: (text) => push(encoder.encode(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`), false),
    behind,
    close: end,
  };

  const stream = new ReadableStream<Uint8Array>(
    {
      start() {
        if (options.signal?.aborted) {
          abort();
          return;
        }
        options.signal?.addEventListener('abort', abort);
        // First bytes flush the headers and tell the client it is subscribed.
        sink.comment('connected');
        const unsubscribe = options.start(sink);
        if (ended) unsubscribe();
        else {
          cleanup = unsubscribe;
          keepAlive = setInterval(() => sink.comment('keep-alive'), options.keepAliveMs);
        }
      },
      async pull(controller) {
        while (queue.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (queue.length > 0) {
          const chunk = queue.length === 1 ? queue[0]! : Buffer.concat(queue, queuedBytes);
          queue = [];
          queuedBytes = 0;
          backlogBytes = 0;
          controller.enqueue(chunk);
        }
        if (ended && queue.length === 0) {
          finished = true;
          if (grace) clearTimeout(grace);
          controller.close();
        }
      },
      cancel() {
        abort();
      },
    },
    // Nothing is buffered inside the stream itself: every byte waits in `queue`, where it is counted.
    { highWaterMark: 0 },
  );

  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      // A stream is a connection of its own: when it ends (a follower cut off, hearthd
      // closing), the connection goes too, and a client that wants more reconnects.
      connection: 'close',
    },
  });
}
