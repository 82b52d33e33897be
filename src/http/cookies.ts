/**
 * Cookies as the web GUI uses them: read one by name from a Cookie header, and
 * write Set-Cookie values. Names are RFC 6265 tokens and values are always
 * percent-encoded, so nothing a caller passes can add an attribute or a header.
 */

/** RFC 7230 tchar: what a cookie name may hold. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** cookie-octet (RFC 6265 4.1.1), plus the space browsers send inside values. */
const COOKIE_VALUE = /^[ !#-+\--:<-[\]-~]*$/;
/** Attribute values we write ourselves (a path): never a separator or a line break. */
const ATTRIBUTE = /^[^;\r\n]*$/;

const decode = (value: string): string => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

/** The value of the first well-formed cookie called `name`, decoded; undefined when there is none. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || !header.includes(name)) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (COOKIE_VALUE.test(value)) return decode(value);
  }
  return undefined;
}

export interface CookieOptions {
  path?: string;
  /** Seconds; 0 deletes the cookie. */
  maxAge?: number;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'Strict' | 'Lax' | 'None';
}

/** A Set-Cookie value: `name=value; Max-Age=…; Path=…; HttpOnly; Secure; SameSite=…`. */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!TOKEN.test(name)) throw new Error(`invalid cookie name ${JSON.stringify(name)}`);
  const path = options.path ?? '/';
  if (!ATTRIBUTE.test(path)) throw new Error(`invalid cookie path ${JSON.stringify(path)}`);
  let cookie = `${name}=${encodeURIComponent(value)}`;
  if (options.maxAge !== undefined && options.maxAge >= 0) cookie += `; Max-Age=${Math.floor(options.maxAge)}`;
  cookie += `; Path=${path}`;
  if (options.httpOnly) cookie += '; HttpOnly';
  if (options.secure) cookie += '; Secure';
  if (options.sameSite) cookie += `; SameSite=${options.sameSite}`;
  return cookie;
}
