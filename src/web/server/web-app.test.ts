import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeDaemonApi, fakeService } from '../../control/index.js';
import { LoginLimiter, SessionStore, hashPassword, verifyPassword } from './auth.js';
import { createWebApp, type WebAssets } from './web-app.js';
import { request } from '../../testing/http-request.js';

const TOKEN = 'the-login-token-the-daemon-printed';
const ASSETS: WebAssets = new Map([
  ['index.html', { body: '<!doctype html><div id="app"></div>', type: 'text/html; charset=utf-8' }],
  ['app.js', { body: 'console.log(1)', type: 'text/javascript; charset=utf-8' }],
]);

async function setup(extra: { passwordHash?: string; readonlyPasswordHash?: string; now?: () => number } = {}) {
  const api = new FakeDaemonApi([fakeService('web'), fakeService('echo', { kind: 'inetd' })]);
  const logs: string[] = [];
  const now = extra.now ?? Date.now;
  const app = createWebApp({
    api,
    token: TOKEN,
    assets: ASSETS,
    secure: false,
    log: (m) => logs.push(m),
    sessions: new SessionStore(3600_000, now),
    limiter: new LoginLimiter(5, 60_000, now),
    ...(extra.passwordHash ? { passwordHash: extra.passwordHash } : {}),
    ...(extra.readonlyPasswordHash ? { readonlyPasswordHash: extra.readonlyPasswordHash } : {}),
  });
  return { app, api, logs };
}

/** Logs in with the token link and returns the cookie and CSRF token of the session. */
async function loginByLink(app: Awaited<ReturnType<typeof setup>>['app']) {
  const res = await request(app, `/?token=${TOKEN}`);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/', 'the redirect drops the token from the address bar');
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const session = (await (await request(app, '/api/session', { headers: { cookie } })).json()) as { role: string; csrf: string };
  return { cookie, csrf: session.csrf, role: session.role };
}

describe('web GUI server', () => {
  test('the page is served to anyone, the API only to a session', async () => {
    const { app } = await setup();
    assert.equal((await request(app, '/')).status, 200);
    assert.equal((await request(app, '/assets/app.js')).status, 200);
    assert.equal((await request(app, '/assets/nope.js')).status, 404);
    const res = await request(app, '/api/v1/services');
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_LOGIN');
  });

  test('?token= logs a browser in once with an HttpOnly, SameSite=Strict cookie', async () => {
    const { app, logs } = await setup();
    const res = await request(app, `/?token=${TOKEN}`);
    const cookie = res.headers.get('set-cookie')!;
    assert.match(cookie, /hearth_session=[A-Za-z0-9_-]{40,}/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.doesNotMatch(cookie, /Secure/, 'plain HTTP on loopback: no Secure flag');
    const { cookie: c } = await loginByLink(app);
    const list = (await (await request(app, '/api/v1/services', { headers: { cookie: c } })).json()) as Array<{ name: string }>;
    assert.deepEqual(list.map((s) => s.name).sort(), ['echo', 'web']);
    assert.match(logs.join('\n'), /web: token@local logged in \(admin\)/);
  });

  test('a wrong token is refused and counted', async () => {
    const { app, logs } = await setup();
    const res = await request(app, '/?token=wrong');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/?login=failed');
    assert.equal(res.headers.get('set-cookie'), null);
    assert.match(logs.join('\n'), /rejected a login token/);
  });

  test('a change without the CSRF token, or from another origin, is refused', async () => {
    const { app, api } = await setup();
    const { cookie, csrf } = await loginByLink(app);
    const post = (headers: Record<string, string>) => request(app, '/api/v1/services/web/stop', { method: 'POST', headers: { cookie, ...headers } });
    assert.equal((await post({})).status, 403);
    assert.equal((await post({ 'x-csrf-token': 'guess' })).status, 403);
    assert.equal((await post({ 'x-csrf-token': csrf, origin: 'http://evil.example', host: '127.0.0.1:9119' })).status, 403);
    assert.equal((await post({ 'x-csrf-token': csrf, origin: 'null', host: '127.0.0.1:9119' })).status, 403, 'an opaque origin is refused, not an error');
    assert.equal(api.calls.filter((c) => c.method === 'stop').length, 0);
    const ok = await post({ 'x-csrf-token': csrf, origin: 'http://127.0.0.1:9119', host: '127.0.0.1:9119' });
    assert.equal(ok.status, 200);
    assert.equal(api.calls.filter((c) => c.method === 'stop').length, 1);
  });

  test('every change is logged with who made it', async () => {
    const { app, logs } = await setup();
    const { cookie, csrf } = await loginByLink(app);
    await request(app, '/api/v1/services/web/restart', { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } });
    assert.match(logs.join('\n'), /web: token@local POST \/v1\/services\/web\/restart -> 200/);
  });

  test('passwords: full and read-only roles; read-only may look but not change', async () => {
    const { app, api } = await setup({ passwordHash: await hashPassword('admin pw', { N: 1024, r: 8, p: 1 }), readonlyPasswordHash: await hashPassword('viewer pw', { N: 1024, r: 8, p: 1 }) });
    const login = (password: string) => request(app, '/login', { method: 'POST', body: JSON.stringify({ password }), headers: { 'content-type': 'application/json' } });
    assert.equal((await login('nope')).status, 401);
    const viewer = await login('viewer pw');
    assert.equal(viewer.status, 200);
    const { role, csrf } = (await viewer.json()) as { role: string; csrf: string };
    assert.equal(role, 'readonly');
    const cookie = viewer.headers.get('set-cookie')!.split(';')[0]!;
    assert.equal((await request(app, '/api/v1/services', { headers: { cookie } })).status, 200);
    const change = await request(app, '/api/v1/services/web/stop', { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } });
    assert.equal(change.status, 403);
    assert.equal(api.calls.filter((c) => c.method === 'stop').length, 0);
    const admin = (await (await login('admin pw')).json()) as { role: string };
    assert.equal(admin.role, 'admin');
  });

  test('five password attempts in a minute from one client: the sixth waits with 429 and Retry-After; the token never waits', async () => {
    let now = 1_000_000;
    const { app } = await setup({ now: () => now, passwordHash: await hashPassword('right', { N: 1024, r: 8, p: 1 }) });
    const attempt = () => request(app, '/login', { method: 'POST', body: JSON.stringify({ password: 'wrong' }), headers: { 'content-type': 'application/json' } });
    for (let i = 0; i < 5; i++) assert.equal((await attempt()).status, 401);
    const locked = await attempt();
    assert.equal(locked.status, 429);
    assert.equal(((await locked.json()) as { error: { code: string } }).error.code, 'ERR_RATE_LIMITED');
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    assert.equal((await request(app, `/?token=${TOKEN}`)).status, 303, 'the token is never locked out');
    now += 61_000;
    assert.equal((await attempt()).status, 401, 'the window has passed');
  });

  test('logout ends the session', async () => {
    const { app } = await setup();
    const { cookie } = await loginByLink(app);
    await request(app, '/logout', { method: 'POST', headers: { cookie } });
    assert.equal((await request(app, '/api/v1/services', { headers: { cookie } })).status, 401);
  });

  test('the catalog route gives risk badges for listed services the catalog knows', async () => {
    const { app } = await setup();
    const { cookie } = await loginByLink(app);
    const catalog = (await (await request(app, '/api/catalog', { headers: { cookie } })).json()) as Record<string, { risk: string }>;
    assert.equal(catalog.echo?.risk, 'high');
    assert.equal(catalog.web, undefined);
  });

  test('responses forbid framing and sniffing and limit scripts to this origin', async () => {
    const { app } = await setup();
    const res = await request(app, '/');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  });
});

describe('password hashes', () => {
  test('verify accepts the password and nothing else', async () => {
    const hash = await hashPassword('s3cret', { N: 1024, r: 8, p: 1 });
    assert.match(hash, /^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    assert.equal(await verifyPassword('s3cret', hash), true);
    assert.equal(await verifyPassword('s3cret ', hash), false);
    assert.equal(await verifyPassword('s3cret', 'not a hash'), false);
  });
});
