import type { IncomingMessage, ServerResponse } from 'node:http';

/** Header names in lower case; a list gives one header line per value (Set-Cookie). */
export type ReplyHeaders = Record<string, string | string[]>;

/**
 * What a route answers, as a value: middleware can still read the status and
 * add headers after the route ran (the GUI's security headers, its log of
 * changes), and nothing is written until the whole chain is done.
 */
export interface Reply {
  status: number;
  headers: ReplyHeaders;
  /** The whole body; its length is sent. */
  body?: string | Uint8Array;
  /** Or a stream: called once the head is written, and owns the response from then on (never for HEAD). */
  stream?(res: ServerResponse): void;
}

export const json = (data: unknown, status = 200, headers: ReplyHeaders = {}): Reply => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  // JSON.stringify(undefined) is undefined: an empty body then, never the text "undefined".
  body: JSON.stringify(data) ?? '',
});

export const text = (body: string, status = 200, headers: ReplyHeaders = {}): Reply => ({
  status,
  headers: { 'content-type': 'text/plain; charset=UTF-8', ...headers },
  body,
});

export const redirect = (location: string, status: 301 | 302 | 303 | 307 | 308 = 302, headers: ReplyHeaders = {}): Reply => ({
  status,
  headers: { ...headers, location },
});

/** Adds a Set-Cookie line to a reply, keeping those already there. */
export function appendCookie(reply: Reply, cookie: string): Reply {
  const existing = reply.headers['set-cookie'];
  reply.headers['set-cookie'] = existing === undefined ? [cookie] : [...(Array.isArray(existing) ? existing : [existing]), cookie];
  return reply;
}

const INTERNAL = JSON.stringify({ error: { code: 'ERR_INTERNAL', message: 'internal error: the answer had a header that cannot be sent' } });

/**
 * Writes a reply. Node checks every header name and value before a byte goes
 * out (a CR or LF in a value throws), so a reply that would inject a header
 * is never sent half-written: it becomes a plain 500 instead.
 */
export function writeReply(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  // The client went away while the route ran: there is nobody to answer.
  if (res.destroyed || res.headersSent) return;
  const headers: ReplyHeaders = { ...reply.headers };
  if (reply.body !== undefined && headers['content-length'] === undefined) headers['content-length'] = String(Buffer.byteLength(reply.body));
  try {
    res.writeHead(reply.status, headers);
  } catch {
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    res.writeHead(500, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(INTERNAL)) });
    res.end(INTERNAL);
    return;
  }
  if (reply.stream && req.method !== 'HEAD') reply.stream(res);
  else res.end(reply.body);
}
