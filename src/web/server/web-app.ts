import { createControlApp, WEB_MAX_BODY_BYTES, type DaemonApi } from '../../control/index.js';
import { HearthError, httpStatusOf } from '../../errors/index.js';
import { json, Router, text, type HttpContext, type Next, type Reply } from '../../http/index.js';
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

const DEFAULT_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '::1']);

/** The host:port of an Origin header; undefined for "null" or anything unparsable (refused). */
function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host || undefined;
  } catch {
    return undefined;
  }
}

/** The peer's address; "local" on a unix socket (the tests' in-process requests). */
function clientAddress(c: HttpContext): string {
  return c.remoteAddress ?? 'local';
}

const fail = (e: HearthError): Reply => json({ error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } }, httpStatusOf(e.code));

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
export function createWebApp(options: WebAppOptions): Router {
  const sessions = options.sessions ?? new SessionStore();
  const allowedHosts = options.allowedHosts ?? DEFAULT_HOSTS;
  const control = createControlApp(withoutAtJobs(options.api), {
    maxBodyBytes: WEB_MAX_BODY_BYTES,
    ...(options.followerGraceMs !== undefined ? { followerGraceMs: options.followerGraceMs } : {}),
  });
  const app = new Router();
  /** The session requireSession found for a request. */
  const sessionOf = new WeakMap<HttpContext, Session>();

  app.onError((err) => {
    const e = err instanceof HearthError ? err : new HearthError('ERR_INTERNAL', `internal error: ${err instanceof Error ? err.message : String(err)}`);
    return fail(e);
  });

  app.use('*', async (c, next) => {
    // An absolute request target with no Host header: the target's host stands in.
    if (!hostAllowed(c.header('host') ?? c.url.host, allowedHosts)) {
      return fail(new HearthError('ERR_BAD_HOST', 'this web GUI does not answer to that host name', { hint: 'use the address hearthd printed, or add the name to [web] hosts' }));
    }
    const reply = await next();
    reply.headers['x-content-type-options'] = 'nosniff';
    reply.headers['x-frame-options'] = 'DENY';
    // same-origin, not no-referrer: under no-referrer, browsers send "Origin: null" on
    // their own POSTs, which the CSRF check must refuse; the token URL still never leaks elsewhere.
    reply.headers['referrer-policy'] = 'same-origin';
    reply.headers['content-security-policy'] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
    return reply;
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

  app.get('/', () => asset('index.html'));

  // Only names the GUI's own directory listing put in the map can be served: no path reaches the disk.
  app.get('/assets/:file', (c) => asset(c.params.file ?? ''));

  const requireSession = async (c: HttpContext, next: Next): Promise<Reply> => {
    const session = sessions.get(c.cookie(SESSION_COOKIE));
    if (!session) return fail(new HearthError('ERR_LOGIN', 'log in first'));
    sessionOf.set(c, session);
    if (c.method !== 'GET' && c.method !== 'HEAD') {
      if (session.role !== 'admin') return fail(new HearthError('ERR_FORBIDDEN', 'read-only session'));
      const csrf = c.header('x-csrf-token') ?? '';
      const origin = c.header('origin');
      const host = c.header('host');
      if (!sameSecret(csrf, session.csrf) || (origin !== undefined && host !== undefined && originHost(origin) !== host)) {
        options.log(`web: refused a ${c.method} without a valid CSRF token from ${session.user}`);
        return fail(new HearthError('ERR_FORBIDDEN', 'missing or wrong CSRF token'));
      }
    }
    return next();
  };
  const session = (c: HttpContext): Session => sessionOf.get(c)!;

  app.get('/api/session', requireSession, (c) => json({ role: session(c).role, csrf: session(c).csrf }));

  // What the catalog knows of each listed service: descriptions where a service has none, and risk badges.
  app.get('/api/catalog', requireSession, () => {
    const known: Record<string, { risk: string; riskReason: string; description: string; category: string }> = {};
    for (const s of options.api.list()) {
      const entry = findDaemon(s.name);
      if (entry) known[s.name] = { risk: entry.risk, riskReason: entry.riskReason, description: entry.description, category: entry.category };
    }
    return json(known);
  });

  // A service's processes as a tree: its main pid (or a pool's workers) and everything they started.
  app.get('/api/processes/:name', requireSession, async (c) => {
    const name = c.params.name ?? '';
    const detail = isValidServiceName(name) ? await options.api.status(name) : undefined;
    if (!detail) return fail(new HearthError('ERR_UNKNOWN_SERVICE', `unknown service "${isValidServiceName(name) ? name : '…'}"`));
    const workers = Array.isArray(detail.extra?.workers) ? (detail.extra.workers as Array<{ pid: number }>).map((w) => w.pid) : [];
    const roots = [...(detail.pid !== null ? [detail.pid] : []), ...workers];
    const table = readProcessTable();
    const view = (n: ProcessNode): unknown => ({ pid: n.pid, uid: n.uid, command: n.command, rssBytes: n.rssBytes, cpuSeconds: n.cpuSeconds, children: n.children.map(view) });
    return json(roots.map((pid) => table.get(pid)).filter((n): n is ProcessNode => n !== undefined).map(view));
  });

  app.all('/api/*', requireSession, async (c) => {
    const forwarded = c.withPath(c.path.slice('/api'.length));
    const reply = await control.dispatch(forwarded);
    if (c.method !== 'GET') options.log(`web: ${session(c).user} ${c.method} ${forwarded.path} -> ${reply.status}`);
    return reply;
  });

  function asset(name: string): Reply {
    const file = options.assets.get(name);
    if (!file) return text('not found\n', 404);
    return {
      status: 200,
      headers: { 'content-type': file.type, 'cache-control': name === 'index.html' ? 'no-store' : 'no-cache' },
      body: file.body,
    };
  }

  return app;
}
