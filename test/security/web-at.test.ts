import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonApi } from '../../src/control/index.js';
import { ownerSession, webApp } from './web-app-fixture.js';
import { request } from '../../src/testing/http-request.js';

/**
 * Hole 6: a web admin session could POST /api/v1/at and so run any command as
 * root, around the rule that at jobs are taken only on a private control
 * socket. The web GUI must not be a path to arbitrary commands as root.
 */
describe('security: the web GUI cannot queue at jobs', () => {
  test('POST /api/v1/at from an admin session with a valid CSRF token is refused and nothing is queued', async () => {
    const { app, api } = webApp();
    const queued: unknown[] = [];
    (api as DaemonApi).atAdd = async (spec) => {
      queued.push(spec);
      return { id: 1, at: Date.now(), batch: false, command: spec.command, cwd: '/', queuedAt: Date.now() };
    };
    const { cookie, csrf } = await ownerSession(app);
    const res = await request(app, '/api/v1/at', {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ at: Date.now() + 60_000, command: 'id > /tmp/pwned' }),
    });
    assert.equal(res.status, 403);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'ERR_FORBIDDEN');
    assert.match(body.error.message, /at jobs/);
    assert.deepEqual(queued, []);
  });

  test('the same refusal for every spelling of the path', async () => {
    const { app, api } = webApp();
    let queued = 0;
    (api as DaemonApi).atAdd = async (spec) => {
      queued++;
      return { id: 1, at: Date.now(), batch: false, command: spec.command, cwd: '/', queuedAt: Date.now() };
    };
    const { cookie, csrf } = await ownerSession(app);
    for (const path of ['/api/v1/at/', '/api//v1/at', '/api/v1/./at', '/api/v1/AT', '/api/v1/at?x=1', '/api/v1/%61t']) {
      const res = await request(app, path, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
        body: JSON.stringify({ at: 'batch', command: 'id' }),
      });
      assert.notEqual(res.status, 200, path);
    }
    assert.equal(queued, 0);
  });
});
