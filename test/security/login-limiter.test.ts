import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword } from '../../src/web/server/auth.js';
import { cookiesOf, ownerSession, TOKEN, webApp } from './web-app-fixture.js';
import { request } from '../../src/testing/http-request.js';

/**
 * Hole 7: the login limiter counted failures only after the expensive scrypt
 * check, so 200 concurrent wrong passwords got most of them checked; and since
 * every local user comes from 127.0.0.1, six bad POSTs by anyone locked the
 * owner out, even with the valid token.
 */
const FAST = { N: 1024, r: 8, p: 1 };

const loginPost = (app: ReturnType<typeof webApp>['app'], body: unknown, cookie?: string) =>
  request(app, '/login', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) } });

describe('security: the login limiter', () => {
  test('200 concurrent wrong passwords get at most 5 real checks', async () => {
    const { app } = webApp({ passwordHash: await hashPassword('right', FAST) });
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => loginPost(app, { password: `wrong ${i}` })));
    const checked = answers.filter((r) => r.status === 401).length;
    const limited = answers.filter((r) => r.status === 429).length;
    assert.ok(checked <= 5, `${checked} passwords were checked`);
    assert.equal(checked + limited, 200);
  });

  test("a stranger's failed logins never lock out the token", async () => {
    const { app } = webApp({ passwordHash: await hashPassword('right', FAST) });
    for (let i = 0; i < 20; i++) await loginPost(app, { password: 'guess' });
    for (let i = 0; i < 20; i++) await loginPost(app, { token: 'guess' });
    for (let i = 0; i < 20; i++) await request(app, '/?token=guess');
    const link = await request(app, `/?token=${TOKEN}`);
    assert.equal(link.status, 303);
    assert.equal(link.headers.get('location'), '/');
    assert.equal((await loginPost(app, { token: TOKEN })).status, 200);
  });

  test("the owner's browser still logs in with the password while a stranger is locked out", async () => {
    const { app } = webApp({ passwordHash: await hashPassword('right', FAST) });
    // The owner logged in from this browser before: it carries hearthd's device cookie.
    const first = await loginPost(app, { password: 'right' });
    assert.equal(first.status, 200);
    const device = cookiesOf(first)
      .split('; ')
      .filter((c) => !c.startsWith('hearth_session='))
      .join('; ');
    assert.ok(device, 'a successful login leaves a device cookie');
    for (let i = 0; i < 20; i++) await loginPost(app, { password: 'guess' });
    assert.equal((await loginPost(app, { password: 'right' })).status, 429, 'a browser without the cookie waits');
    assert.equal((await loginPost(app, { password: 'right' }, device)).status, 200, "the owner's browser is not locked out");
  });

  test("the owner's own typos slow down only the owner's browser", async () => {
    const { app } = webApp({ passwordHash: await hashPassword('right', FAST) });
    const device = cookiesOf(await loginPost(app, { password: 'right' }))
      .split('; ')
      .filter((c) => !c.startsWith('hearth_session='))
      .join('; ');
    for (let i = 0; i < 10; i++) await loginPost(app, { password: 'typo' }, device);
    assert.equal((await loginPost(app, { password: 'right' }, device)).status, 429, 'the device backs off');
    const other = await ownerSession(app);
    assert.ok(other.cookie, 'the token still works');
  });
});
