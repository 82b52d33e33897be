/**
 * In-process requests for tests: `request(app, '/v1/info', init)` runs the
 * app's real node:http listener on a unix socket in a temp dir and answers
 * with a fetch Response (the test process may load undici; hearthd never
 * does). A unix socket, because a peer there has no address: the GUI logs
 * such a client as "local", as it would any in-process caller.
 *
 * Ending a body early (reader.cancel(), or aborting init.signal) resolves
 * only once the server has seen the connection close, so a test can assert
 * right after it that the server let go of what the request held.
 * Test support only: not part of the build.
 */
import { createServer, request as httpRequest, type IncomingMessage, type RequestListener } from 'node:http';
import { join } from 'node:path';
import { testTempDir } from './temp-dir.js';

export interface HttpApp {
  listener: RequestListener;
}

/** Marks a test request so the server side can tell the client when it closed; removed before the app sees it. */
const ID_HEADER = 'x-hearth-test-request';

interface TestServer {
  socketPath: string;
  /** Resolves when the server's response for a request id has closed. */
  closed: Map<string, Promise<void>>;
}

const servers = new WeakMap<HttpApp, Promise<TestServer>>();
let nextId = 0;

function serve(app: HttpApp): Promise<TestServer> {
  let started = servers.get(app);
  if (started) return started;
  const socketPath = join(testTempDir('hearth-http-'), 'app.sock');
  const closed = new Map<string, Promise<void>>();
  const server = createServer((req, res) => {
    const id = req.headers[ID_HEADER];
    if (typeof id === 'string') {
      delete req.headers[ID_HEADER];
      closed.set(id, new Promise((resolve) => res.once('close', () => resolve())));
    }
    app.listener(req, res);
  });
  // Tests end when their work is done, not when this server would.
  server.unref();
  started = new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve({ socketPath, closed }));
  });
  servers.set(app, started);
  return started;
}

function bodyBytes(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new TypeError('request(): only string and byte bodies are supported');
}

/** Statuses a fetch Response may not carry a body with. */
const NULL_BODY = new Set([101, 204, 205, 304]);

export async function request(app: HttpApp, path: string, init: RequestInit = {}): Promise<Response> {
  const { socketPath, closed } = await serve(app);
  const id = String(nextId++);
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  headers[ID_HEADER] = id;
  const body = bodyBytes(init.body);
  const signal = init.signal ?? undefined;
  signal?.throwIfAborted();
  /** The server side of this request has closed (at once if it never got it). */
  const serverClosed = (): Promise<void> => closed.get(id) ?? Promise.resolve();

  return new Promise<Response>((resolve, reject) => {
    let incoming: IncomingMessage | undefined;
    let stopped = false;
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    const closeBody = (): void => {
      try {
        controller?.close();
      } catch {
        // Already closed or errored.
      }
    };
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      req.destroy();
      incoming?.destroy();
      await serverClosed();
    };
    const req = httpRequest({ socketPath, path, method: init.method ?? 'GET', headers, agent: false }, (res) => {
      incoming = res;
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          controller = c;
          res.on('data', (chunk: Buffer) => {
            c.enqueue(new Uint8Array(chunk));
            if ((c.desiredSize ?? 0) <= 0) res.pause();
          });
          res.once('end', closeBody);
          res.once('close', () => {
            if (stopped || res.complete) return;
            try {
              c.error(new Error('the server closed the connection in the middle of the body'));
            } catch {
              // Already closed.
            }
          });
        },
        pull() {
          res.resume();
        },
        cancel: () => stop(),
      });
      const responseHeaders = new Headers();
      for (let i = 0; i < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
      const status = res.statusCode ?? 0;
      resolve(new Response(NULL_BODY.has(status) ? null : stream, { status, headers: responseHeaders }));
    });
    req.on('error', (e) => {
      if (!stopped) reject(e);
    });
    signal?.addEventListener(
      'abort',
      () => {
        void stop().then(() => {
          if (incoming) closeBody();
          else reject(signal.reason);
        });
      },
      { once: true },
    );
    req.end(body);
  });
}
