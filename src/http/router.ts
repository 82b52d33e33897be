import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { HttpContext, requestUrl } from './context.js';
import { text, writeReply, type Reply } from './reply.js';

export type Next = () => Promise<Reply>;
/** A route or a middleware: answers, or calls next() and may change what comes back. */
export type Handler = (c: HttpContext, next: Next) => Reply | Promise<Reply>;
export type ErrorHandler = (error: unknown, c: HttpContext) => Reply | Promise<Reply>;

interface Route {
  /** undefined: any method. */
  method: string | undefined;
  /** Literal segments, ":param" segments, and a last "*" for the rest of the path. */
  segments: string[];
  handlers: Handler[];
}

const decodeSegment = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

function match(route: Route, path: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const { segments } = route;
  for (let i = 0; i < segments.length; i++) {
    const want = segments[i]!;
    if (want === '*' && i === segments.length - 1) return params;
    const got = path[i];
    if (got === undefined) return undefined;
    if (want.startsWith(':')) {
      if (got === '') return undefined;
      params[want.slice(1)] = got;
    } else if (want !== got) return undefined;
  }
  return segments.length === path.length ? params : undefined;
}

/** How long a body nobody read may still arrive (and be dropped) after the answer, and how much of it. */
const DRAIN_MS = 500;
const DRAIN_BYTES = 1024 * 1024;

/**
 * After the answer, a body no route read (an error came first, or it was too
 * large) is read and dropped for a moment so the client sees the answer
 * rather than a reset; past the time or size the connection is closed.
 */
function dropUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  res.once('finish', () => {
    if (req.complete || req.destroyed) return;
    let dropped = 0;
    const close = (): void => {
      clearTimeout(timer);
      req.socket?.destroySoon();
    };
    const timer = setTimeout(close, DRAIN_MS);
    timer.unref();
    req.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > DRAIN_BYTES) close();
    });
    req.once('end', () => clearTimeout(timer));
    req.resume();
  });
}

/**
 * A small router on node:http, shared by the control API and the web GUI.
 * Routes run in the order they were added; every route and middleware that
 * matches the method and path is one link of a chain, and next() runs the
 * rest of it (then the not-found handler). HEAD runs the GET routes, and the
 * body is left out when written. An error thrown by a link becomes the error
 * handler's reply at that link, so the links around it still see a reply.
 */
export class Router {
  private readonly routes: Route[] = [];
  private errorHandler: ErrorHandler = () => text('Internal Server Error', 500);
  private notFoundHandler: (c: HttpContext) => Reply | Promise<Reply> = () => text('404 Not Found', 404);

  on(method: string | undefined, path: string, ...handlers: Handler[]): this {
    this.routes.push({ method, segments: path === '*' ? ['', '*'] : path.split('/'), handlers });
    return this;
  }

  get(path: string, ...handlers: Handler[]): this {
    return this.on('GET', path, ...handlers);
  }

  post(path: string, ...handlers: Handler[]): this {
    return this.on('POST', path, ...handlers);
  }

  all(path: string, ...handlers: Handler[]): this {
    return this.on(undefined, path, ...handlers);
  }

  /** Middleware: any method; a path ending in "/*" also covers what lies below. */
  use(path: string, handler: Handler): this {
    return this.on(undefined, path, handler);
  }

  onError(handler: ErrorHandler): this {
    this.errorHandler = handler;
    return this;
  }

  notFound(handler: (c: HttpContext) => Reply | Promise<Reply>): this {
    this.notFoundHandler = handler;
    return this;
  }

  /** Runs the chain for one request and resolves with its reply; never rejects. */
  async dispatch(c: HttpContext): Promise<Reply> {
    const method = c.method === 'HEAD' ? 'GET' : c.method;
    const path = c.path.split('/').map(decodeSegment);
    const chain: Array<[Handler, Record<string, string>]> = [];
    for (const route of this.routes) {
      if (route.method !== undefined && route.method !== method) continue;
      const params = match(route, path);
      if (params) for (const h of route.handlers) chain.push([h, params]);
    }
    const run = async (i: number): Promise<Reply> => {
      try {
        const link = chain[i];
        if (!link) return await this.notFoundHandler(c);
        c.params = link[1];
        return await link[0](c, () => run(i + 1));
      } catch (e) {
        return this.errorHandler(e, c);
      }
    };
    try {
      return await run(0);
    } catch (e) {
      // The error handler itself failed: the one answer left.
      return text(`Internal Server Error: ${e instanceof Error ? e.message : String(e)}`.replace(/[\r\n]+/g, ' '), 500);
    }
  }

  /** The node:http request listener: 400 for a request without a usable URL, else the chain's reply. */
  readonly listener: RequestListener = (req, res) => {
    const url = requestUrl(req);
    dropUnreadBody(req, res);
    if (!url) {
      res.writeHead(400, { 'content-length': '0' });
      res.end();
      return;
    }
    const c = new HttpContext(req, res, url);
    void this.dispatch(c).then((reply) => writeReply(req, res, reply));
  };
}
