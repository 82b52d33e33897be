import { Hono, type Context, type Next } from 'hono';
import { getCookie } from 'hono/cookie';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { createControlApp, WEB_MAX_BODY_BYTES, type DaemonApi } from '../../control/index.js';
import { HearthError, httpStatusOf } from '../../errors/index.js';
import { findDaemon } from '../../catalog/index.js';
import { readProcessTable, type ProcessNode } from '../../process/index.js';
import { isValidServiceName } from '../../model/index.js';
import { KnownDevices, LoginLimiter, SessionStore, sameSecret, type Session } from './auth.js';
import { hostAllowed } from './host-check.js';
import { mountLogin, SESSION_COOKIE } from './login.js';

/** The built page: index.html and the files it loads, by name. */
export type WebAssets = ReadonlyMap<string, { body: Uint8Array | string; type: string }>;

export interface WebAppOptions {
  api: DaemonApi;
  /** The login token hearthd printed and wrote to RUNTIME_DIR/web-token. */
  token: string;
  passwordHash?: string;
  readonlyPasswordHash?: string;
  assets: WebAssets;
  /** Served over TLS: cookies get Secure. */
  secure: boolean;
  /** Every change made through the GUI, and every login, is logged with who did it. */
  log(message: string): void;
  /** Host names the GUI answers to (see host-check.ts); default localhost and the loopback addresses. */
  allowedHosts?: ReadonlySet<string>;
  sessions?: SessionStore;
  limiter?: LoginLimiter;
  devices?: KnownDevices;
  /** How long a stuck event-stream reader keeps its connection after being told (default 30 s). */
  followerGraceMs?: number;
}

type Env = { Variables: { session: Session } };

const DEFAULT_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '::1']);

/** The host:port of an Origin header; undefined for "null" or anything unparsable (refused). */
function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host || undefined;
  } catch {
    return undefined;
  }
}

/** The peer's address on a real server; "local" for in-process requests (tests). */
function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'local';
}

const fail = (c: Context, e: HearthError) =>
  c.json({ error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } }, httpStatusOf(e.code) as ContentfulStatusCode);

/**
 * at jobs run with hearthd's rights, which is root: queueing one is running a
 * command as root. The web GUI is for managing services, so the API it
 * exposes simply has no way to queue or drop at jobs, whatever the path says.
 */
function withoutAtJobs(api: DaemonApi): DaemonApi {
  const refuse = () =>
    Promise.reject(
      new HearthError('ERR_FORBIDDEN', 'at jobs are not accepted over the web GUI: they run as root', {
        hint: 'use "hearth at" on the control socket, or a timer in services/',
      }),
    );
  return new Proxy(api, {
    get(target, key) {
      if (key === 'atAdd' || key === 'atRemove') return refuse;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * The web GUI's HTTP side: the page, login and logout, and the control API
 * under /api behind a session. Every request must name a host the GUI serves;
 * every change needs the session's CSRF token in X-CSRF-Token and, when the
 * browser sends one, an Origin of this very host; the read-only role may only
 * read; at jobs are never taken.
 */
export function createWebApp(options: WebAppOptions): Hono<Env> {
  const sessions = options.sessions ?? new SessionStore();
  const allowedHosts = options.allowedHosts ?? DEFAULT_HOSTS;
  const control = createControlApp(withoutAtJobs(options.api), {
    maxBodyBytes: WEB_MAX_BODY_BYTES,
    ...(options.followerGraceMs !== undefined ? { followerGraceMs: options.followerGraceMs } : {}),
  });
  const app = new Hono<Env>();

  app.onError((err, c) => {
    const e = err instanceof HearthError ? err : new HearthError('ERR_INTERNAL', `internal error: ${err instanceof Error ? err.message : String(err)}`);
    return fail(c, e);
  });

  app.use('*', async (c, next) => {
    // In-process requests (tests) have no Host header: their URL's host stands in.
    if (!hostAllowed(c.req.header('host') ?? new URL(c.req.url).host, allowedHosts)) {
      return fail(c, new HearthError('ERR_BAD_HOST', 'this web GUI does not answer to that host name', { hint: 'use the address hearthd printed, or add the name to [web] hosts' }));
    }
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    // same-origin, not no-referrer: under no-referrer, browsers send "Origin: null" on
    // their own POSTs, which the CSRF check must refuse; the token URL still never leaks elsewhere.
    c.header('Referrer-Policy', 'same-origin');
    c.header('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
  });

  mountLogin(app, {
    token: options.token,
    ...(options.passwordHash ? { passwordHash: options.passwordHash } : {}),
    ...(options.readonlyPasswordHash ? { readonlyPasswordHash: options.readonlyPasswordHash } : {}),
    secure: options.secure,
    log: options.log,
    sessions,
    limiter: options.limiter ?? new LoginLimiter(),
    devices: options.devices ?? new KnownDevices(),
    clientAddress,
  });

  app.get('/', (c) => asset(c, 'index.html'));

  app.get('/assets/:file', (c) => asset(c, c.req.param('file')));

  const requireSession = async (c: Context<Env>, next: Next) => {
    const session = sessions.get(getCookie(c, SESSION_COOKIE));
    if (!session) return fail(c, new HearthError('ERR_LOGIN', 'log in first'));
    c.set('session', session);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      if (session.role !== 'admin') return fail(c, new HearthError('ERR_FORBIDDEN', 'read-only session'));
      const csrf = c.req.header('x-csrf-token') ?? '';
      const origin = c.req.header('origin');
      const host = c.req.header('host');
      if (!sameSecret(csrf, session.csrf) || (origin !== undefined && host !== undefined && originHost(origin) !== host)) {
        options.log(`web: refused a ${c.req.method} without a valid CSRF token from ${session.user}`);
        return fail(c, new HearthError('ERR_FORBIDDEN', 'missing or wrong CSRF token'));
      }
    }
    return next();
  };

  app.get('/api/session', requireSession, (c) => c.json({ role: c.var.session.role, csrf: c.var.session.csrf }));

  // What the catalog knows of each listed service: descriptions where a service has none, and risk badges.
  app.get('/api/catalog', requireSession, (c) => {
    const known: Record<string, { risk: string; riskReason: string; description: string; category: string }> = {};
    for (const s of options.api.list()) {
      const entry = findDaemon(s.name);
      if (entry) known[s.name] = { risk: entry.risk, riskReason: entry.riskReason, description: entry.description, category: entry.category };
    }
    return c.json(known);
  });

  // A service's processes as a tree: its main pid (or a pool's workers) and everything they started.
  app.get('/api/processes/:name', requireSession, async (c) => {
    const name = c.req.param('name') ?? '';
    const detail = isValidServiceName(name) ? await options.api.status(name) : undefined;
    if (!detail) return fail(c, new HearthError('ERR_UNKNOWN_SERVICE', `unknown service "${isValidServiceName(name) ? name : '…'}"`));
    const workers = Array.isArray(detail.extra?.workers) ? (detail.extra.workers as Array<{ pid: number }>).map((w) => w.pid) : [];
    const roots = [...(detail.pid !== null ? [detail.pid] : []), ...workers];
    const table = readProcessTable();
    const view = (n: ProcessNode): unknown => ({ pid: n.pid, uid: n.uid, command: n.command, rssBytes: n.rssBytes, cpuSeconds: n.cpuSeconds, children: n.children.map(view) });
    return c.json(roots.map((pid) => table.get(pid)).filter((n): n is ProcessNode => n !== undefined).map(view));
  });

  app.all('/api/*', requireSession, async (c) => {
    const url = new URL(c.req.url);
    url.pathname = url.pathname.slice('/api'.length);
    const forwarded = new Request(url, c.req.raw);
    // The server's env goes along, so a stuck event-stream reader can be disconnected.
    const response = await control.fetch(forwarded, c.env);
    if (c.req.method !== 'GET') options.log(`web: ${c.var.session.user} ${c.req.method} ${url.pathname} -> ${response.status}`);
    return response;
  });

  function asset(c: Context, name: string) {
    const file = options.assets.get(name);
    if (!file) return c.text('not found\n', 404);
    return c.body(typeof file.body === 'string' ? file.body : new Uint8Array(file.body), 200, {
      'Content-Type': file.type,
      'Cache-Control': name === 'index.html' ? 'no-store' : 'no-cache',
    });
  }

  return app;
}
