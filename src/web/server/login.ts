import type { Context, Env, Hono } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { readJsonObject, WEB_MAX_BODY_BYTES } from '../../control/index.js';
import { KnownDevices, LoginLimiter, SessionStore, sameSecret, verifyPassword, type Role, type Session } from './auth.js';

export const SESSION_COOKIE = 'hearth_session';
const DEVICE_COOKIE = 'hearth_device';
/** scrypt checks running at once, in all: each takes 16 MiB and a libuv thread the journal's reads also need. */
const MAX_CHECKS_IN_FLIGHT = 2;

export interface LoginOptions {
  token: string;
  passwordHash?: string;
  readonlyPasswordHash?: string;
  secure: boolean;
  log(message: string): void;
  sessions: SessionStore;
  limiter: LoginLimiter;
  devices: KnownDevices;
  /** The peer's address, for the log and the limiter. */
  clientAddress(c: Context): string;
}

/**
 * Every local user can connect from any address in 127.0.0.0/8 (and ::1): for
 * the limiter they are all one client. An IPv6 client is its /64, which is
 * what one host usually has to choose from.
 */
export function addressBucket(address: string): string {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (/^127\./.test(v4) || address === '::1' || address === 'local') return 'loopback';
  if (v4.includes(':')) return `${expandIpv6(v4).slice(0, 4).join(':')}::/64`;
  return v4;
}

/** The eight groups of an IPv6 address, "::" filled in with zeros (a zone id is dropped). */
function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...zeros, ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** One log line per minute for repeated failures, with how many there were: guessing must not flood the journal. */
function throttledLog(log: (m: string) => void, now: () => number = Date.now): (m: string) => void {
  let last = -Infinity;
  let quiet = 0;
  return (message) => {
    if (now() - last < 60_000) {
      quiet++;
      return;
    }
    log(quiet > 0 ? `${message} (and ${quiet} more failed logins in the last minute)` : message);
    last = now();
    quiet = 0;
  };
}

/**
 * Logging in and out. The token (256 random bits, compared in constant time)
 * is never rate-limited, so nobody can lock its holder out. Passwords are
 * counted before they are checked, per known browser or else per address,
 * with at most two checks running at once.
 */
export function mountLogin<E extends Env>(app: Hono<E>, o: LoginOptions): void {
  let checking = 0;
  const logFailure = throttledLog(o.log);

  const startSession = (c: Context, role: Role, how: string): Session => {
    const session = o.sessions.create(role, `${how}@${o.clientAddress(c)}`);
    setCookie(c, SESSION_COOKIE, session.id, { httpOnly: true, sameSite: 'Strict', secure: o.secure, path: '/' });
    if (!o.devices.knows(getCookie(c, DEVICE_COOKIE))) {
      setCookie(c, DEVICE_COOKIE, o.devices.issue(), { httpOnly: true, sameSite: 'Strict', secure: o.secure, path: '/', maxAge: 365 * 86400 });
    }
    o.log(`web: ${session.user} logged in (${role})`);
    return session;
  };

  /** Whose attempts these are: a browser hearthd knows, or anyone else from this address. */
  const bucket = (c: Context): { key: string; known: boolean } => {
    const device = getCookie(c, DEVICE_COOKIE);
    return o.devices.knows(device) ? { key: `device:${device}`, known: true } : { key: `address:${addressBucket(o.clientAddress(c))}`, known: false };
  };

  const tooMany = (c: Context, wait: number) =>
    c.json({ error: { code: 'ERR_RATE_LIMITED', message: `too many failed logins; try again in ${wait} s` } }, 429, { 'Retry-After': String(wait) });

  /** The role the password gives, undefined for a wrong one, or the seconds to wait. */
  const checkPassword = async (c: Context, password: string): Promise<Role | undefined | number> => {
    const { key, known } = bucket(c);
    // Strangers share a cap on checks running at once; a known browser is limited by its own bucket only.
    if (!known && checking >= MAX_CHECKS_IN_FLIGHT) return 1;
    const wait = o.limiter.tryAcquire(key);
    if (wait > 0) return wait;
    if (!known) checking++;
    try {
      let role: Role | undefined;
      if (o.passwordHash && (await verifyPassword(password, o.passwordHash))) role = 'admin';
      else if (o.readonlyPasswordHash && (await verifyPassword(password, o.readonlyPasswordHash))) role = 'readonly';
      if (role) o.limiter.succeeded(key);
      return role;
    } finally {
      if (!known) checking--;
    }
  };

  app.get('/', async (c, next) => {
    const token = c.req.query('token');
    if (token === undefined) return next();
    // The token logs a browser in once; the redirect takes it out of the address bar and history.
    if (!sameSecret(token, o.token)) {
      logFailure(`web: rejected a login token from ${o.clientAddress(c)}`);
      return c.redirect('/?login=failed', 303);
    }
    startSession(c, 'admin', 'token');
    return c.redirect('/', 303);
  });

  app.post('/login', async (c) => {
    const body = await readJsonObject(c.req.raw, WEB_MAX_BODY_BYTES).catch((e: { code?: string }) => {
      if (e.code === 'ERR_TOO_LARGE') throw e;
      return {} as Record<string, unknown>;
    });
    let role: Role | undefined;
    let how = '';
    if (typeof body.token === 'string') {
      if (sameSecret(body.token, o.token)) role = 'admin';
      how = 'token';
    } else if (typeof body.password === 'string' && body.password.length <= 1024) {
      const outcome = await checkPassword(c, body.password);
      if (typeof outcome === 'number') return tooMany(c, outcome);
      role = outcome;
      how = 'password';
    }
    if (!role) {
      logFailure(`web: failed ${how || 'login'} from ${o.clientAddress(c)}`);
      return c.json({ error: { code: 'ERR_LOGIN', message: 'wrong token or password' } }, 401);
    }
    const session = startSession(c, role, how);
    return c.json({ role: session.role, csrf: session.csrf });
  });

  app.post('/logout', (c) => {
    const id = getCookie(c, SESSION_COOKIE);
    if (id) o.sessions.delete(id);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true });
  });
}
