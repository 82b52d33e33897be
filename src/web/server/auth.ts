import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * The web GUI's identities: a login token printed by hearthd (full rights),
 * optional scrypt password hashes from hearth.toml (full or read-only), and
 * in-memory sessions behind an HttpOnly cookie, each with its own CSRF token.
 */

export type Role = 'admin' | 'readonly';

export interface Session {
  id: string;
  role: Role;
  /** Who, for the log: "token" or "password", with the address it came from. */
  user: string;
  csrf: string;
  expires: number;
}

export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/**
 * Compares secrets in constant time, whatever their lengths: both sides are
 * hashed first, so neither the content nor the length of the expected secret
 * shows in how long a wrong guess takes.
 */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

const MAX_SESSIONS = 1000;

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly ttlMs = 12 * 3600_000,
    private readonly now: () => number = Date.now,
  ) {}

  create(role: Role, user: string): Session {
    // Expired sessions go when a new one is made: no timer, and the map stays small.
    const t = this.now();
    for (const [id, s] of this.sessions) if (s.expires <= t) this.sessions.delete(id);
    // Logins are cheap for whoever holds the token: keep the newest sessions, not all of them.
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const session: Session = { id: randomToken(), role, user, csrf: randomToken(), expires: t + this.ttlMs };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.expires <= this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    s.expires = this.now() + this.ttlMs;
    return s;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }
}

/**
 * Password attempts, counted when they arrive (before the expensive check), so
 * a burst of concurrent guesses gets `limit` checks per window and no more.
 * Attempts are counted per key: a browser hearthd already knows (its device
 * cookie) has a bucket of its own, every other client shares its address's
 * bucket. A stranger who exhausts 127.0.0.1's bucket therefore never locks out
 * the owner's browser, and the token is never limited at all (see web-app.ts).
 */
export class LoginLimiter {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    private readonly limit = 5,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
    /** Keys remembered at most; the oldest go first (a flood of addresses cannot grow the map). */
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts an attempt for key; returns 0 when it may go ahead, else the seconds to wait. */
  tryAcquire(key: string): number {
    const recent = this.recent(key);
    if (recent.length >= this.limit) return Math.max(1, Math.ceil((recent[0]! + this.windowMs - this.now()) / 1000));
    recent.push(this.now());
    this.attempts.delete(key);
    this.attempts.set(key, recent);
    if (this.attempts.size > this.maxKeys) this.attempts.delete(this.attempts.keys().next().value!);
    return 0;
  }

  /** A correct password: the key's earlier failures are forgiven. */
  succeeded(key: string): void {
    this.attempts.delete(key);
  }

  private recent(key: string): number[] {
    const horizon = this.now() - this.windowMs;
    return (this.attempts.get(key) ?? []).filter((t) => t > horizon);
  }
}

/**
 * Browsers that have logged in before. Each gets a random id in a long-lived
 * HttpOnly cookie at a successful login; a request that carries a known id
 * has its own login bucket. Only ids hearthd handed out count, so a cookie
 * made up by a stranger is just another stranger.
 */
export class KnownDevices {
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly max = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  issue(): string {
    const id = randomToken();
    this.ids.set(id, this.now());
    if (this.ids.size > this.max) this.ids.delete(this.ids.keys().next().value!);
    return id;
  }

  knows(id: string | undefined): boolean {
    return id !== undefined && this.ids.has(id);
  }
}

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCb(password, salt, keylen, options, (e, key) => (e ? reject(e) : resolve(key))));

const KEY_BYTES = 32;

/** scrypt$N$r$p$SALT$HASH, the format hearth.toml's password keys take. */
export async function hashPassword(password: string, cost = { N: 16384, r: 8, p: 1 }): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_BYTES, { ...cost, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(hash);
  if (!m) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const expected = Buffer.from(m[5]!, 'base64url');
  const key = await scrypt(password, Buffer.from(m[4]!, 'base64url'), expected.length, { N, r, p, maxmem: 256 * 1024 * 1024 });
  return timingSafeEqual(key, expected);
}
