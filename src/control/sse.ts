/** What a route pushes into an open SSE stream. */
export interface SseSink {
  send(event: string, data: unknown): void;
  comment(text: string): void;
  close(): void;
}

export interface SseOptions {
  /** The request's abort signal: the client went away. */
  signal?: AbortSignal;
  /** Interval of ": keep-alive" comments, so proxies and idle timers keep the stream open. */
  keepAliveMs: number;
  /** Subscribe here; return the unsubscribe. Runs before the first byte goes out. */
  start(sink: SseSink): () => void;
}

/**
 * A slow reader must not make hearthd buffer without bound: past this many
 * queued messages the stream is closed, and the client can reconnect.
 */
const MAX_QUEUED = 10_000;

const encoder = new TextEncoder();

/**
 * A text/event-stream Response built on a plain ReadableStream: the same object
 * works under app.request() in tests and under @hono/node-server, which cancels
 * the stream when the socket closes (that is when we unsubscribe).
 */
export function sseResponse(options: SseOptions): Response {
  let cleanup: (() => void) | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let finishStream: (() => void) | undefined;

  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const finish = (): void => {
        if (closed) return;
        closed = true;
        if (timer) clearInterval(timer);
        options.signal?.removeEventListener('abort', finish);
        const c = cleanup;
        cleanup = undefined;
        c?.();
        try {
          controller.close();
        } catch {
          // already closed or cancelled
        }
      };
      finishStream = finish;
      const write = (text: string): void => {
        if (closed) return;
        if (controller.desiredSize !== null && controller.desiredSize < -MAX_QUEUED) {
          finish();
          return;
        }
        controller.enqueue(encoder.encode(text));
      };
      const sink: SseSink = {
        send: (event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
        comment: (text) => write(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`),
        close: finish,
      };
      if (options.signal?.aborted) {
        finish();
        return;
      }
      options.signal?.addEventListener('abort', finish);
      cleanup = options.start(sink);
      if (closed) {
        // start() closed the stream itself; release what it returned.
        const c = cleanup;
        cleanup = undefined;
        c?.();
        return;
      }
      // First bytes flush the headers and tell the client it is subscribed.
      write(': connected\n\n');
      timer = setInterval(() => write(': keep-alive\n\n'), options.keepAliveMs);
    },
    cancel() {
      finishStream?.();
    },
  });

  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    },
  });
}
