/**
 * HTTP on node:http for the control API and the web GUI: a router, the
 * request as routes see it, replies as values, cookies. Nothing here loads
 * Node's fetch classes (Request, Response, Headers): those bring undici in,
 * about 12 MiB of every hearthd's memory (docs/web.md, "Built how").
 */
export { Router, type Handler, type Next, type ErrorHandler } from './router.js';
export { HttpContext, requestUrl } from './context.js';
export { json, text, redirect, appendCookie, writeReply, type Reply, type ReplyHeaders } from './reply.js';
export { readCookie, serializeCookie, type CookieOptions } from './cookies.js';
