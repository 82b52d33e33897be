import { Hono, type Context, type Next } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { createControlApp, type DaemonApi } from '../../control/index.js';
import { findDaemon } from '../../catalog/index.js';
import { readProcessTable, type ProcessNode } from '../../process/index.js';
import { isValidServiceName } from '../../model/index.js';
import { LoginLimiter, SessionStore, sameSecret, verifyPassword, type Role, type Session } from './auth.js';

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
  sessions?: SessionStore;
  limiter?: LoginLimiter;
}

const COOKIE = 'hearth_session';
type Env = { Variables: { session: Session } };

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

/**
 * The web GUI's HTTP side: the page, login and logout, and the control API
 * under /api behind a session. Every change needs the session's CSRF token in
 * X-CSRF-Token and, when the browser sends one, an Origin of this very host;
 * the read-only role may only read.
 */
export function createWebApp(options: WebAppOptions): Hono<Env> {
  const sessions = options.sessions ?? new SessionStore();
  const limiter = options.limiter ?? new LoginLimiter();
  const control = createControlApp(options.api);
  const app = new Hono<Env>();

  const startSession = (c: Context, role: Role, how: string): Session => {
    const session = sessions.create(role, `${how}@${clientAddress(c)}`);
    setCookie(c, COOKIE, session.id, { httpOnly: true, sameSite: 'Strict', secure: options.secure, path: '/' });
    options.log(`web: ${session.user} logged in (${role})`);
    return session;
  };

  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    // same-origin, not no-referrer: under no-referrer, browsers send "Origin: null" on
    // their own POSTs, which the CSRF check must refuse; the token URL still never leaks elsewhere.
    c.header('Referrer-Policy', 'same-origin');
    c.header('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
  });

  app.get('/', (c) => {
    const token = c.req.query('token');
    if (token !== undefined) {
      // The token logs a browser in once; the redirect takes it out of the address bar and history.
      const wait = limiter.retryAfter(clientAddress(c));
      if (wait > 0) return c.text(`Too many failed logins; try again in ${wait} s\n`, 429, { 'Retry-After': String(wait) });
      if (!sameSecret(token, options.token)) {
        limiter.failed(clientAddress(c));
        options.log(`web: rejected a login token from ${clientAddress(c)}`);
        return c.redirect('/?login=failed', 303);
      }
      limiter.succeeded(clientAddress(c));
      startSession(c, 'admin', 'token');
      return c.redirect('/', 303);
    }
    return asset(c, 'index.html');
  });

  app.get('/assets/:file', (c) => asset(c, c.req.param('file')));

  app.post('/login', async (c) => {
    const address = clientAddress(c);
    const wait = limiter.retryAfter(address);
    if (wait > 0) return c.json({ error: { code: 'ERR_RATE_LIMITED', message: `too many failed logins; try again in ${wait} s` } }, 429, { 'Retry-After': String(wait) });
    const body = (await c.req.json().catch(() => ({}))) as { token?: unknown; password?: unknown };
    let role: Role | undefined;
    let how = '';
    if (typeof body.token === 'string' && sameSecret(body.token, options.token)) {
      role = 'admin';
      how = 'token';
    } else if (typeof body.password === 'string' && body.password.length <= 1024) {
      if (options.passwordHash && (await verifyPassword(body.password, options.passwordHash))) role = 'admin';
      else if (options.readonlyPasswordHash && (await verifyPassword(body.password, options.readonlyPasswordHash))) role = 'readonly';
      how = 'password';
    }
    if (!role) {
      limiter.failed(address);
      options.log(`web: failed login from ${address}`);
      return c.json({ error: { code: 'ERR_LOGIN', message: 'wrong token or password' } }, 401);
    }
    limiter.succeeded(address);
    const session = startSession(c, role, how);
    return c.json({ role: session.role, csrf: session.csrf });
  });

  app.post('/logout', (c) => {
    const id = getCookie(c, COOKIE);
    if (id) sessions.delete(id);
    deleteCookie(c, COOKIE, { path: '/' });
    return c.json({ ok: true });
  });

  const requireSession = async (c: Context<Env>, next: Next) => {
    const session = sessions.get(getCookie(c, COOKIE));
    if (!session) return c.json({ error: { code: 'ERR_LOGIN', message: 'log in first' } }, 401);
    c.set('session', session);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      if (session.role !== 'admin') return c.json({ error: { code: 'ERR_FORBIDDEN', message: 'read-only session' } }, 403);
      const csrf = c.req.header('x-csrf-token') ?? '';
      const origin = c.req.header('origin');
      const host = c.req.header('host');
      if (!sameSecret(csrf, session.csrf) || (origin !== undefined && host !== undefined && originHost(origin) !== host)) {
        options.log(`web: refused a ${c.req.method} without a valid CSRF token from ${session.user}`);
        return c.json({ error: { code: 'ERR_FORBIDDEN', message: 'missing or wrong CSRF token' } }, 403);
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
    if (!detail) return c.json({ error: { code: 'ERR_UNKNOWN_SERVICE', message: `unknown service "${name}"` } }, 404);
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
    const response = await control.fetch(forwarded);
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
