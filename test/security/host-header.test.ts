import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, startTarget, type AttackTarget } from './helpers.js';

/**
 * Hole 8: no Host check, so a page on a name the attacker controls that
 * re-resolves to 127.0.0.1 (DNS rebinding) could talk to the GUI as if it were
 * same-origin. Only the listen address, localhost and configured names pass.
 */
describe('security: the web GUI checks the Host header', () => {
  let d: AttackTarget;
  before(async () => {
    d = await startTarget({}, { web: true });
  });
  after(() => d.stop());

  test('a rebound name is refused on the page, the login and the API', async () => {
    for (const [method, path] of [['GET', '/'], ['POST', '/login'], ['GET', '/api/v1/services'], ['GET', `/?token=${d.token}`]] as const) {
      const res = await rawRequest({ port: d.webPort }, method, path, {
        headers: { host: `rebind.attacker.example:${d.webPort}`, 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: JSON.stringify({ token: d.token }) } : {}),
      });
      assert.equal(res.status, 421, `${method} ${path}: ${res.status}`);
      assert.equal(res.headers['set-cookie'], undefined, 'no session for a rebound name');
    }
  });

  test('the listen address and localhost are served', async () => {
    for (const host of [`127.0.0.1:${d.webPort}`, `localhost:${d.webPort}`, 'localhost']) {
      const res = await rawRequest({ port: d.webPort }, 'GET', '/', { headers: { host } });
      assert.equal(res.status, 200, host);
    }
  });

  test('a missing Host header is refused', async () => {
    const res = await rawRequest({ port: d.webPort }, 'GET', '/', { noHost: true });
    assert.notEqual(res.status, 200);
  });
});
