import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createControlApp } from './app.js';
import { FakeDaemonApi, fakeService } from './fake-daemon-api.js';
import { quote, refuseLargeBodies } from './request-limits.js';
import { request } from '../testing/http-request.js';

const post = (body: string) => ({ method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('request limits', () => {
  test('a body over the cap is 413 ERR_TOO_LARGE, under it is read', async () => {
    const api = new FakeDaemonApi([fakeService('web')]);
    const app = createControlApp(api, { maxBodyBytes: 1000 });
    const big = await request(app, '/v1/actions/start', post(JSON.stringify({ names: ['web'], pad: 'x'.repeat(2000) })));
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { error: { code: string } }).error.code, 'ERR_TOO_LARGE');
    assert.equal(api.calls.length, 0);
    const ok = await request(app, '/v1/actions/start', post(JSON.stringify({ names: ['web'] })));
    assert.equal(ok.status, 200);
  });

  test('an announced oversize body is refused before the listener runs', async () => {
    let reached = false;
    const server = createServer(refuseLargeBodies(() => (reached = true), 100));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-length': '5000000' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('x'.repeat(50));
    });
    server.close();
    assert.equal(status, 413);
    assert.equal(reached, false);
  });

  test('quote() keeps short values whole and cuts long ones', () => {
    assert.equal(quote('web'), '"web"');
    assert.equal(quote(3), '3');
    assert.equal(quote('x'.repeat(500)).length, 61);
    assert.match(quote('x'.repeat(500)), /…$/);
  });
});
