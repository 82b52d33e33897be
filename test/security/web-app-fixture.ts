import assert from 'node:assert/strict';
import { FakeDaemonApi, fakeService } from '../../src/control/index.js';
import { createWebApp, type WebAppOptions } from '../../src/web/server/web-app.js';
import { request } from '../../src/testing/http-request.js';

/** The web GUI's HTTP side in-process, with a fake daemon and a known token. */
export const TOKEN = 'token-of-the-owner-0123456789abcdef';

export function webApp(extra: Partial<WebAppOptions> = {}) {
  const api = new FakeDaemonApi([fakeService('web', { state: 'running' })]);
  const logs: string[] = [];
  const app = createWebApp({
    api,
    token: TOKEN,
    assets: new Map([['index.html', { body: '<!doctype html>', type: 'text/html; charset=utf-8' }]]),
    secure: false,
    log: (m) => logs.push(m),
    ...extra,
  });
  return { app, api, logs };
}

/** Cookie header value from a response's Set-Cookie headers (every cookie set). */
export function cookiesOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
}

/** Logs in with the token link; returns the cookies and the session's CSRF token. */
export async function ownerSession(app: ReturnType<typeof webApp>['app']): Promise<{ cookie: string; csrf: string }> {
  const res = await request(app, `/?token=${TOKEN}`);
  assert.equal(res.status, 303);
  const cookie = cookiesOf(res);
  const session = (await (await request(app, '/api/session', { headers: { cookie } })).json()) as { csrf: string };
  return { cookie, csrf: session.csrf };
}
