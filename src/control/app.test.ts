import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createControlApp } from './app.js';
import { FakeDaemonApi, fakeService } from './fake-daemon-api.js';
import { request } from '../testing/http-request.js';

function setup() {
  const api = new FakeDaemonApi([
    fakeService('web', { state: 'running', pid: 123, startedAt: Date.now() - 5000 }),
    fakeService('worker'),
    fakeService('bad', { state: 'broken', errors: ['services/bad.toml:2: unknown key "restrat"'] }),
  ]);
  const app = createControlApp(api, { keepAliveMs: 50 });
  return { api, app };
}

const post = (body?: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

/** Reads an SSE body until `until` says stop (or the stream ends), returning the raw text. */
async function readSse(res: Response, until: (text: string) => boolean): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + 5000;
  while (!until(text) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

describe('control API', () => {
  test('GET /v1/info and /v1/services answer with the daemon\'s shapes', async () => {
    const { app } = setup();
    const info = await request(app, '/v1/info');
    assert.equal(info.status, 200);
    assert.equal((await info.json()).pid, 4242);
    const list = await request(app, '/v1/services');
    const services = (await list.json()) as Array<{ name: string; state: string; pid: number | null }>;
    assert.deepEqual(services.map((s) => [s.name, s.state, s.pid]), [['web', 'running', 123], ['worker', 'stopped', null], ['bad', 'broken', null]]);
  });

  test('GET /v1/services/:name gives the detail of a known service', async () => {
    const { app } = setup();
    const res = await request(app, '/v1/services/web');
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.name, 'web');
    assert.equal(body.memoryBytes, 3 * 1024 * 1024);
    assert.ok(Array.isArray(body.recentLogs));
  });

  test('an unknown service is a 404 with a did-you-mean hint', async () => {
    const { app } = setup();
    const res = await request(app, '/v1/services/wbe');
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), {
      error: { code: 'ERR_UNKNOWN_SERVICE', message: 'unknown service "wbe"', hint: 'did you mean "web"?' },
    });
  });

  test('command lines in a body are arrays of a bounded number of short strings, else a 400 naming the field and the bound', async () => {
    const { app, api } = setup();
    const cases: Array<[string, unknown, RegExp]> = [
      ['/v1/chkconfig', { argv: '--list' }, /"argv" must be an array of at most 64 strings/],
      ['/v1/chkconfig', { argv: ['--list', 3] }, /"argv" must be an array of at most 64 strings/],
      ['/v1/chkconfig', { argv: Array(65).fill('x') }, /"argv" must be an array of at most 64 strings/],
      ['/v1/systemctl', { argv: Array(257).fill('x') }, /"argv" must be an array of at most 256 strings/],
      ['/v1/systemctl', { argv: ['x'.repeat(4096)] }, /each under 4096 characters/],
      ['/v1/service', { name: 'web', action: 'status', args: Array(33).fill('x') }, /"args" must be an array of at most 32 strings/],
    ];
    for (const [path, body, message] of cases) {
      const res = await request(app, path, post(body));
      assert.equal(res.status, 400, path);
      const { error } = await res.json();
      assert.equal(error.code, 'ERR_BAD_REQUEST');
      assert.match(error.message, message, JSON.stringify(body).slice(0, 80));
    }
    assert.equal(api.calls.length, 0);
  });

  test('an invalid service name is a 400 and never reaches the daemon', async () => {
    const { app, api } = setup();
    const res = await request(app, '/v1/services/-rf');
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.code, 'ERR_BAD_REQUEST');
    assert.equal(api.calls.length, 0);
    const bad = await request(app, '/v1/actions/start', post({ names: ['ok', '../etc'] }));
    assert.equal(bad.status, 400);
    assert.equal(api.calls.length, 0);
  });

  test('POST /v1/services/:name/start starts one service and returns its result', async () => {
    const { app, api } = setup();
    const res = await request(app, '/v1/services/worker/start', post());
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { name: 'worker', ok: true, state: 'running' });
    assert.equal(api.services.get('worker')!.state, 'running');
    const missing = await request(app, '/v1/services/wrker/stop', post());
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.hint, 'did you mean "worker"?');
  });

  test('POST /v1/actions/stop acts on known names and reports unknown ones as failures', async () => {
    const { app, api } = setup();
    const res = await request(app, '/v1/actions/stop', post({ names: ['web', 'wokrer', 'web'] }));
    assert.equal(res.status, 200);
    const results = (await res.json()) as Array<{ name: string; ok: boolean; error?: { code: string; hint?: string } }>;
    assert.deepEqual(results.map((r) => [r.name, r.ok]), [['web', true], ['wokrer', false]]);
    assert.equal(results[1]!.error!.code, 'ERR_UNKNOWN_SERVICE');
    assert.equal(results[1]!.error!.hint, 'did you mean "worker"?');
    assert.deepEqual(api.calls, [{ method: 'stop', args: [['web']] }]);
  });

  test('action bodies are validated: JSON object, names array, no stray fields', async () => {
    const { app } = setup();
    const cases: Array<[RequestInit, RegExp]> = [
      [{ method: 'POST', body: '{not json' }, /not valid JSON/],
      [post([1, 2]), /must be a JSON object/],
      [post({}), /"names" must be a non-empty array/],
      [post({ names: [] }), /"names" must be a non-empty array/],
      [post({ names: ['web'], force: true }), /unknown field "force"/],
      [post({ names: [42] }), /invalid service name 42/],
    ];
    for (const [init, message] of cases) {
      const res = await request(app, '/v1/actions/restart', init);
      assert.equal(res.status, 400, String(init.body));
      assert.match((await res.json()).error.message, message);
    }
  });

  test('unknown routes answer 404 in the error shape', async () => {
    const { app } = setup();
    const res = await request(app, '/v2/services');
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.code, 'ERR_NOT_FOUND');
    const wrongVerb = await request(app, '/v1/actions/explode', post({ names: ['web'] }));
    assert.equal(wrongVerb.status, 404);
  });

  test('POST /v1/reload-config returns the reload report', async () => {
    const { app, api } = setup();
    api.reloadReport = { ...api.reloadReport, added: ['new'], ok: true };
    const res = await request(app, '/v1/reload-config', post());
    assert.equal(res.status, 200);
    assert.deepEqual((await res.json()).added, ['new']);
  });

  test('POST /v1/reload-config with brief counts the units and the unchanged ones instead of listing them', async () => {
    const { app, api } = setup();
    api.reloadReport = { ...api.reloadReport, services: ['a', 'b', 'new'], added: ['new'], unchanged: ['a', 'b'] };
    const brief = await (await request(app, '/v1/reload-config', post({ brief: true }))).json();
    assert.deepEqual(brief.added, ['new']);
    assert.equal(brief.serviceCount, 3);
    assert.equal(brief.unchangedCount, 2);
    assert.equal('unchanged' in brief || 'services' in brief, false, 'the lists that grow with the fleet are left out');
    assert.deepEqual((await (await request(app, '/v1/reload-config', post({ brief: false }))).json()).unchanged, ['a', 'b']);
    const bad = await request(app, '/v1/reload-config', post({ brief: 'yes' }));
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /"brief" must be true or false/);
  });

  test('GET /v1/analyze gives the boot by default, the last switch with which=last, and refuses anything else', async () => {
    const { app, api } = setup();
    api.transitions = { boot: { level: 3, boot: true }, last: { level: 5, boot: false } };
    assert.deepEqual(await (await request(app, '/v1/analyze')).json(), { level: 3, boot: true });
    assert.deepEqual(await (await request(app, '/v1/analyze?which=boot')).json(), { level: 3, boot: true });
    assert.deepEqual(await (await request(app, '/v1/analyze?which=last')).json(), { level: 5, boot: false });
    const bad = await request(app, '/v1/analyze?which=first');
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /"which" must be "boot" or "last", got "first"/);
    assert.deepEqual(api.calls.filter((c) => c.method === 'analyze').map((c) => c.args[0]), ['boot', 'boot', 'last']);
    api.transitions = {};
    assert.equal(await (await request(app, '/v1/analyze?which=last')).json(), null);
  });

  test('POST /v1/check takes an optional absolute configDir', async () => {
    const { app, api } = setup();
    assert.equal((await request(app, '/v1/check', post())).status, 200);
    assert.equal((await request(app, '/v1/check', post({ configDir: '/srv/conf' }))).status, 200);
    assert.deepEqual(api.calls.map((c) => c.args[0]), [undefined, '/srv/conf']);
    const rel = await request(app, '/v1/check', post({ configDir: 'conf' }));
    assert.equal(rel.status, 400);
    assert.match((await rel.json()).error.message, /absolute path/);
    const io = await request(app, '/v1/check', post({ configDir: '/does/not/exist' }));
    assert.equal(io.status, 422);
    assert.equal((await io.json()).error.code, 'ERR_CONFIG_IO');
  });

  test('GET /v1/logs turns the query string into a typed LogQuery', async () => {
    const { app, api } = setup();
    api.log({ ts: 1, service: 'web', stream: 'out', text: 'one' });
    api.log({ ts: 2, service: 'worker', stream: 'err', text: 'two' });
    api.log({ ts: 3, service: 'web', stream: 'out', text: 'three' });
    const res = await request(app, '/v1/logs?name=web&name=worker&lines=2&since=0&until=99&grep=t');
    assert.equal(res.status, 200);
    assert.deepEqual((await res.json()).map((r: { text: string }) => r.text), ['two', 'three']);
    assert.deepEqual(api.calls.at(-1)!.args[0], { names: ['web', 'worker'], lines: 2, since: 0, until: 99, grep: 't' });
  });

  test('log queries with bad numbers or unknown parameters are 400s', async () => {
    const { app } = setup();
    for (const q of ['lines=ten', 'lines=-1', 'since=1.5', 'since=5&until=4', 'lines=1&lines=2', 'name=', 'nmae=web', 'priority=9']) {
      const res = await request(app, `/v1/logs?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal((await res.json()).error.code, 'ERR_BAD_REQUEST', q);
    }
  });

  test('GET /v1/events streams events as SSE frames and unsubscribes on cancel', async () => {
    const { app, api } = setup();
    const res = await request(app, '/v1/events');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
    assert.equal(api.subscriberCount, 1);
    const event = { type: 'service.spawn' as const, at: 5, name: 'web', pid: 77 };
    api.emit(event);
    const text = await readSse(res, (t) => t.includes('keep-alive'));
    assert.ok(text.startsWith(': connected\n\n'), text);
    assert.ok(text.includes(`event: event\ndata: ${JSON.stringify(event)}\n\n`), text);
    assert.match(text, /\n: keep-alive\n\n/);
    assert.equal(api.subscriberCount, 0);
  });

  test('GET /v1/logs/follow sends the last lines, then live records, without duplicates', async () => {
    const { app, api } = setup();
    api.log({ ts: 1, service: 'web', stream: 'out', text: 'old' });
    api.log({ ts: 2, service: 'web', stream: 'out', text: 'recent' });
    api.log({ ts: 2, service: 'worker', stream: 'out', text: 'other service' });
    const res = await request(app, '/v1/logs/follow?name=web&lines=1');
    assert.equal(res.status, 200);
    api.log({ ts: 3, service: 'web', stream: 'err', text: 'live' });
    api.log({ ts: 3, service: 'worker', stream: 'out', text: 'filtered out' });
    const text = await readSse(res, (t) => t.includes('live'));
    const records = text
      .split('\n\n')
      .filter((f) => f.startsWith('event: log'))
      .map((f) => JSON.parse(f.split('\ndata: ')[1]!).text);
    assert.deepEqual(records, ['recent', 'live']);
    assert.equal(api.subscriberCount, 0);
  });

  test('an abort of the request ends the SSE stream and unsubscribes', async () => {
    const { app, api } = setup();
    const ac = new AbortController();
    const res = await request(app, '/v1/events', { signal: ac.signal });
    assert.equal(api.subscriberCount, 1);
    ac.abort();
    const text = await readSse(res, () => false);
    assert.ok(text.startsWith(': connected'));
    assert.equal(api.subscriberCount, 0);
  });
});
