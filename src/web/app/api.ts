import type { HearthEvent, ServiceStatus } from '../../model/index.js';

export type { HearthEvent, ServiceStatus };

export interface Session {
  role: 'admin' | 'readonly';
  csrf: string;
}

export interface ApiError {
  code: string;
  message: string;
  hint?: string;
}

export class RequestFailed extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.hint ? `${error.message} (${error.hint})` : error.message);
  }
}

let csrf = '';

/** Every change carries the session's CSRF token; the cookie rides along by itself. */
export async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      accept: 'application/json',
      ...(method !== 'GET' ? { 'x-csrf-token': csrf, 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const data = (await res.json().catch(() => ({}))) as T & { error?: ApiError };
  if (!res.ok) throw new RequestFailed(res.status, data.error ?? { code: 'ERR_DAEMON_ERROR', message: `HTTP ${res.status}` });
  return data;
}

export async function currentSession(): Promise<Session | null> {
  try {
    const s = await call<Session>('GET', '/api/session');
    csrf = s.csrf;
    return s;
  } catch (e) {
    if (e instanceof RequestFailed && e.status === 401) return null;
    throw e;
  }
}

export async function login(secret: { token: string } | { password: string }): Promise<Session> {
  const s = await call<Session>('POST', '/login', secret);
  csrf = s.csrf;
  return s;
}

export async function logout(): Promise<void> {
  await call('POST', '/logout');
  csrf = '';
}

/**
 * Server-sent events: calls onEvent for each, reconnecting as EventSource
 * does. Events sent while the connection was down are not replayed, so a
 * reconnection calls onReopen: the caller reloads what it shows.
 */
export function subscribe<T>(path: string, name: string, onEvent: (data: T) => void, onReopen?: () => void): () => void {
  const source = new EventSource(path);
  let opened = false;
  source.addEventListener('open', () => {
    if (opened) onReopen?.();
    opened = true;
  });
  source.addEventListener(name, (m) => onEvent(JSON.parse((m as MessageEvent<string>).data) as T));
  return () => source.close();
}
