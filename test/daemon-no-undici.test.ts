import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { startDaemon } from './helpers/daemon.js';
import { eventually, tempDir } from './helpers/index.js';

/**
 * Node loads undici (its fetch: Request, Response, Headers) the first time
 * any of those classes is touched, and that costs about 12 MiB of RSS. The
 * control API and the web GUI are plain node:http, so a hearthd that served
 * both must still not have it: this loads a probe into hearthd (node
 * --import) that writes process.moduleLoadList when hearthd exits.
 */

const PROBE = `
import { writeFileSync } from 'node:fs';
const out = process.env.HEARTH_TEST_MODULE_LIST;
// Nothing hearthd starts may load the probe too.
delete process.env.HEARTH_TEST_MODULE_LIST;
delete process.env.NODE_OPTIONS;
process.on('exit', () => writeFileSync(out, JSON.stringify(process.moduleLoadList)));
`;

/** One request; an event stream is read until its first comment, then closed. */
function call(target: { socketPath: string } | { host: string; port: number }, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ ...target, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      res.on('data', (c: string) => {
        body += c;
        if (/text\/event-stream/.test(String(res.headers['content-type'])) && body.includes(': connected')) {
          req.destroy();
          done();
        }
      });
      res.on('end', done);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('hearthd without undici', () => {
  test('a hearthd that served the control API (with an event stream) and the web GUI never loaded undici', async () => {
    const dir = tempDir('hearth-undici-');
    const probe = join(dir.path, 'probe.mjs');
    const list = join(dir.path, 'modules.json');
    writeFileSync(probe, PROBE);
    const d = await startDaemon(
      { 'services/web.toml': 'exec = ["/bin/sleep", "1000"]\nrunlevels = [2, 3, 4, 5]\n' },
      ['--web-listen', '127.0.0.1:0'],
      { env: { ...process.env, NODE_OPTIONS: `--import=${probe}`, HEARTH_TEST_MODULE_LIST: list } },
    );
    try {
      const control = { socketPath: d.socket };
      assert.equal(d.cli('list').code, 0);
      assert.equal((await call(control, '/v1/services/web')).status, 200);
      assert.equal((await call(control, '/v1/events')).status, 200);
      assert.equal((await call(control, '/v1/logs?lines=5')).status, 200);

      const runtime = join(d.root, 'run');
      const address = await eventually(() => (existsSync(join(runtime, 'web-address')) ? readFileSync(join(runtime, 'web-address'), 'utf8').trim() : undefined), 10_000, 'the web GUI address');
      const url = new URL(address);
      const web = { host: url.hostname, port: Number(url.port) };
      const token = readFileSync(join(runtime, 'web-token'), 'utf8').trim();
      const login = await call(web, `/?token=${token}`);
      assert.equal(login.status, 303);
      const cookie = [login.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0]).join('; ');
      assert.equal((await call(web, '/')).status, 200);
      assert.equal((await call(web, '/api/v1/services', { cookie })).status, 200);
      assert.equal((await call(web, '/api/v1/events', { cookie })).status, 200);
    } finally {
      assert.equal(await d.stop(), 0);
    }
    const modules = JSON.parse(readFileSync(list, 'utf8')) as string[];
    dir.cleanup();
    assert.ok(modules.includes('NativeModule http'), 'the probe saw the HTTP server loaded');
    assert.deepEqual(modules.filter((m) => /undici/.test(m)), []);
  });
});
