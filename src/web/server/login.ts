import { readJsonObject, WEB_MAX_BODY_BYTES } from '../../control/index.js';
import { appendCookie, json, redirect, serializeCookie, type HttpContext, type Reply, type Router } from '../../http/index.js';
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
  clientAddress(c: HttpContext): string;
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
export function mountLogin(app: Router, o: LoginOptions): void {
  let checking = 0;
  const logFailure = throttledLog(o.log);

  /** A new session, its cookie (and a device cookie for a browser not seen before) set on `reply`. */
  const startSession = (c: HttpContext, role: Role, how: string, reply: (session: Session) => Reply): Reply => {
    const session = o.sessions.create(role, `${how}@${o.clientAddress(c)}`);
    const answer = appendCookie(reply(session), serializeCookie(SESSION_COOKIE, session.id, { httpOnly: true, sameSite: 'Strict', secure: o.secure, path: '/' }));
    if (!o.devices.knows(c.cookie(DEVICE_COOKIE))) {
      appendCookie(answer, serializeCookie(DEVICE_COOKIE, o.devices.issue(), { httpOnly: true, sameSite: 'Strict', secure: o.secure, path: '/', maxAge: 365 * 86400 }));
    }
    o.log(`web: ${session.user} logged in (${role})`);
    return answer;
  };

  /** Whose attempts these are: a browser hearthd knows, or anyone else from this address. */
  const bucket = (c: HttpContext): { key: string; known: boolean } => {
    const device = c.cookie(DEVICE_COOKIE);
    return o.devices.knows(device) ? { key: `device:${device}`, known: true } : { key: `address:${addressBucket(o.clientAddress(c))}`, known: false };
  };

  const tooMany = (wait: number): Reply =>
    json({ error: { code: 'ERR_RATE_LIMITED', message: `too many failed logins; try again in ${wait} s` } }, 429, { 'retry-after': String(wait) });

  /** The role the password gives, undefined for a wrong one, or the seconds to wait. */
  const checkPassword = async (c: HttpContext, password: string): Promise<Role | undefined | number> => {
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
    const token = c.query('token');
    if (token === undefined) return next();
    // The token logs a browser in once; the redirect takes it out of the address bar and history.
    if (!sameSecret(token, o.token)) {
      logFailure(`web: rejected a login token from ${o.clientAddress(c)}`);
      return redirect('/?login=failed', 303);
    }
    return startSession(c, 'admin', 'token', () => redirect('/', 303));
  });

  app.post('/login', async (c) => {
    const body = await readJsonObject(c.req, WEB_MAX_BODY_BYTES).catch((e: { code?: string }) => {
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
      if (typeof outcome === 'number') return tooMany(outcome);
      role = outcome;
      how = 'password';
    }
    if (!role) {
      logFailure(`web: failed ${how || 'login'} from ${o.clientAddress(c)}`);
      return json({ error: { code: 'ERR_LOGIN', message: 'wrong token or password' } }, 401);
    }
    return startSession(c, role, how, (session) => json({ role: session.role, csrf: session.csrf }));
  });

  app.post('/logout', (c) => {
    const id = c.cookie(SESSION_COOKIE);
    if (id) o.sessions.delete(id);
    return appendCookie(json({ ok: true }), serializeCookie(SESSION_COOKIE, '', { path: '/', maxAge: 0 }));
  });
}
