import type { IncomingMessage, ServerResponse } from 'node:http';
import { readCookie } from './cookies.js';

/**
 * One request as routes see it. The path is the URL's pathname as the WHATWG
 * URL parser leaves it ("." and ".." segments resolved, percent-escapes kept);
 * route parameters are decoded segments of it.
 */
export class HttpContext {
  /** Parameters of the route now running (":name" segments), decoded. */
  params: Record<string, string> = {};

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly url: URL,
  ) {}

  get method(): string {
    return this.req.method ?? 'GET';
  }

  get path(): string {
    return this.url.pathname;
  }

  /** Path and query string, for parsers that take a URL. */
  get target(): string {
    return this.url.pathname + this.url.search;
  }

  /** A header's value; repeated headers come joined as Node joins them. */
  header(name: string): string | undefined {
    const value = this.req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** The first value of a query parameter. */
  query(name: string): string | undefined {
    return this.url.searchParams.get(name) ?? undefined;
  }

  cookie(name: string): string | undefined {
    return readCookie(this.header('cookie'), name);
  }

  /** The peer's address; undefined on a unix socket. */
  get remoteAddress(): string | undefined {
    return this.req.socket?.remoteAddress;
  }

  /** The same request under another path: how the GUI hands /api/… to the control API. */
  withPath(path: string): HttpContext {
    const url = new URL(this.url.href);
    url.pathname = path || '/';
    return new HttpContext(this.req, this.res, url);
  }
}

/**
 * The request's URL, or undefined for a request no route should see: no Host
 * (and no absolute target), more than one Host, a Host that is not a plain
 * host[:port], or a backslash in the path (which URL parsers read as "/").
 */
export function requestUrl(req: IncomingMessage): URL | undefined {
  const target = req.url ?? '/';
  const backslash = target.indexOf('\\');
  const query = target.indexOf('?');
  if (backslash !== -1 && (query === -1 || backslash < query)) return undefined;
  try {
    if (/^https?:\/\//i.test(target)) return new URL(target);
    if (!target.startsWith('/')) return undefined;
    let hosts = 0;
    for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'host') hosts++;
    const host = req.headers.host;
    if (hosts !== 1 || !host) return undefined;
    const scheme = (req.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http';
    const url = new URL(`${scheme}://${host}${target}`);
    // "a@b", "a/b", "a?b" and the like parse as something other than a host: refuse them.
    if (url.host !== host.toLowerCase() && url.hostname !== host.replace(/:\d*$/, '').toLowerCase()) return undefined;
    return url;
  } catch {
    return undefined;
  }
}
