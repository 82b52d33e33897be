import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FakeDaemonApi, fakeService, startControlServer, type ControlServer } from '../control/index.js';
import type { HearthEvent } from '../model/index.js';
import { HearthClient } from './hearth-client.js';
import { testTempDir } from '../testing/temp-dir.js';

describe('HearthClient against a real control server', () => {
  let api: FakeDaemonApi;
  let server: ControlServer;
  let client: HearthClient;

  before(async () => {
    api = new FakeDaemonApi([fakeService('web', { state: 'running', pid: 31 }), fakeService('worker')]);
    const socketPath = join(testTempDir('hearth-client-'), 'hearth.sock');
    server = await startControlServer({ api, socketPath, keepAliveMs: 30 });
    client = new HearthClient({ socketPath });
  });
  after(() => server.close());

  test('info, list and status return the typed shapes', async () => {
    assert.equal((await client.info()).version, '0.0.0-fake');
    assert.deepEqual((await client.list()).map((s) => s.name), ['web', 'worker']);
    const detail = await client.status('web');
    assert.equal(detail.pid, 31);
    assert.deepEqual(detail.recentLogs, []);
  });

  test('an unknown name throws ERR_UNKNOWN_SERVICE with the hint', async () => {
    await assert.rejects(client.status('wob'), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, 'ERR_UNKNOWN_SERVICE');
      assert.equal(e.message, 'unknown service "wob"');
      assert.equal(e.hint, 'did you mean "web"?');
      return true;
    });
  });

  test('actions go through both the per-service and the batch routes', async () => {
    assert.deepEqual(await client.serviceAction('worker', 'start'), { name: 'worker', ok: true, state: 'running' });
    const results = await client.stop(['worker', 'web']);
    assert.deepEqual(results.map((r) => [r.name, r.ok, r.state]), [['worker', true, 'stopped'], ['web', true, 'stopped']]);
    await client.start(['web']);
  });

  test('check, reloadConfig and logs pass their arguments through', async () => {
    assert.equal((await client.check('/x/conf')).configDir, '/x/conf');
    assert.equal((await client.reloadConfig()).ok, true);
    api.log({ ts: 10, service: 'web', stream: 'out', text: 'hello' });
    api.log({ ts: 11, service: 'worker', stream: 'out', text: 'other' });
    assert.deepEqual((await client.logs({ names: ['web'], lines: 5 })).map((r) => r.text), ['hello']);
  });

  test('a bad request comes back as a HearthError with its code', async () => {
    await assert.rejects(client.check('relative'), (e: Error & { code?: string }) => e.code === 'ERR_BAD_REQUEST');
  });

  test('events() yields live events and close() unsubscribes', async () => {
    const stream = client.events();
    await stream.ready;
    assert.equal(api.subscriberCount, 1);
    const sent: HearthEvent = { type: 'daemon.log', at: 1, level: 'info', message: 'hi\nthere' };
    api.emit(sent);
    const got = await stream.next();
    assert.deepEqual(got, { value: sent, done: false });
    stream.close();
    assert.deepEqual(await stream.next(), { value: undefined, done: true });
    for (let i = 0; i < 100 && api.subscriberCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(api.subscriberCount, 0);
  });

  test('followLogs() gives history then live records through for-await', async () => {
    const stream = client.followLogs({ names: ['web'], lines: 1 });
    await stream.ready;
    api.log({ ts: 20, service: 'web', stream: 'err', text: 'live' });
    const texts: string[] = [];
    for await (const r of stream) {
      texts.push(r.text);
      if (texts.length === 2) break;
    }
    assert.deepEqual(texts, ['hello', 'live']);
  });

  test('an SSE route that fails before streaming rejects the iterator', async () => {
    const stream = client.followLogs({ names: ['no/such'] });
    await assert.rejects(stream.next(), (e: Error & { code?: string }) => e.code === 'ERR_BAD_REQUEST');
  });
});

describe('HearthClient without a daemon', () => {
  test('a missing socket is ERR_DAEMON_UNREACHABLE naming the socket, with a hint', async () => {
    const socketPath = join(testTempDir('hearth-client-'), 'hearth.sock');
    const client = new HearthClient({ socketPath });
    await assert.rejects(client.list(), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, 'ERR_DAEMON_UNREACHABLE');
      assert.equal(e.message, `cannot reach hearthd at "${socketPath}": not running?`);
      assert.match(e.hint!, /hearthd --config-dir/);
      return true;
    });
    await assert.rejects(client.events().next(), (e: Error & { code?: string }) => e.code === 'ERR_DAEMON_UNREACHABLE');
  });
});
