import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { FakeDaemonApi, createControlApp } from '../../src/control/index.js';
import { eventually } from '../helpers/index.js';
import { readUntil, startTarget, type AttackTarget } from './helpers.js';
import { ownerSession, webApp } from './web-app-fixture.js';
import { request } from '../../src/testing/http-request.js';

/**
 * Hole 9: followers that never read made hearthd queue everything for them
 * (20 of them added 1.26 GB). Each follower has a bounded buffer; one that
 * falls too far behind gets a last "error" event saying so, and is cut off.
 */

const BEHIND = /event: error\ndata: \{"code":"ERR_FOLLOWER_BEHIND"/;

/** Reads a whole event stream body, with a deadline. */
async function drain(res: Response): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
    if (Date.now() > deadline) throw new Error(`stream did not end; read ${text.length} bytes`);
  }
}

describe('security: slow followers are bounded', () => {
  let d: AttackTarget | undefined;
  const followers: Socket[] = [];
  after(async () => {
    for (const s of followers) s.destroy();
    await d?.stop();
  });

  test('five log followers that stop reading while a service writes 40 MB are told and cut off', async () => {
    d = await startTarget({
      'services/chatty.toml':
        'exec = ["/bin/sh", "-c", "head -c 40000000 /dev/zero | tr \'\\\\0\' x | fold -w 999; echo DONE; exec sleep 1000"]\nrunlevels = []\nlog_max_size = "100M"\n',
    });
    for (let i = 0; i < 5; i++) {
      const s = connect(d.socket);
      followers.push(s);
      s.write('GET /v1/logs/follow?name=chatty HTTP/1.1\r\nHost: hearth\r\n\r\n');
      await readUntil(s, (t) => t.includes(': connected'));
      s.pause();
    }
    const rssBefore = d.rssBytes();
    assert.equal(d.cli('start', 'chatty').code, 0);
    const logBytes = (): number =>
      readdirSync(d!.logDir)
        .filter((f) => f.startsWith('chatty.log'))
        .reduce((sum, f) => sum + statSync(join(d!.logDir, f)).size, 0);
    await eventually(() => logBytes() > 40_000_000 && d!.cli('logs', 'chatty', '-n', '1').stdout.includes('DONE'), 60_000, 'all output journaled');
    const grown = d.rssBytes() - rssBefore;
    assert.ok(grown < 96 * 1024 * 1024, `hearthd grew by ${Math.round(grown / 1048576)} MiB`);
    for (const s of followers) {
      s.resume();
      const got = await readUntil(s, (t) => BEHIND.test(t), 20_000);
      assert.ok(got.length < 8 * 1024 * 1024, `a follower got ${got.length} bytes before being cut off`);
      await eventually(() => s.destroyed || s.readableEnded, 10_000, 'the follower is disconnected');
    }
    assert.equal(d.cli('list', '--json').code, 0, 'hearthd answers');
  });

  test('an event stream that is not read ends with a "behind" notice on the control API', async () => {
    const api = new FakeDaemonApi();
    const app = createControlApp(api);
    const res = await request(app, '/v1/events');
    for (let i = 0; i < 30_000; i++) api.emit({ type: 'daemon.log', at: i, level: 'info', message: `event number ${i} `.padEnd(200, '.') });
    const text = await drain(res);
    assert.match(text, BEHIND);
    assert.ok(text.length < 4 * 1024 * 1024, `${text.length} bytes were queued`);
    assert.equal(api.subscriberCount, 0, 'the subscription is gone');
  });

  test("the web GUI's event stream is bounded the same way", async () => {
    const { app, api } = webApp();
    const { cookie } = await ownerSession(app);
    const res = await request(app, '/api/v1/events', { headers: { cookie } });
    assert.equal(res.status, 200);
    for (let i = 0; i < 30_000; i++) api.emit({ type: 'daemon.log', at: i, level: 'info', message: `event number ${i} `.padEnd(200, '.') });
    const text = await drain(res);
    assert.match(text, BEHIND);
    assert.equal(api.subscriberCount, 0);
  });
});
