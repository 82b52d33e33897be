import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, type LogRecord } from '../journal/index.js';
import { isHearthError } from '../errors/index.js';
import { SyslogReceiver, type SyslogReceiverOptions } from './receiver.js';

/** Loopback UDP only: these run without the native helper. */
describe('SyslogReceiver over UDP on loopback', () => {
  let dir: string;
  let journal: Journal;
  let receiver: SyslogReceiver | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-syslog-unit-'));
    journal = new Journal({ dir });
  });
  afterEach(() => {
    receiver?.stop();
    receiver = undefined;
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(options: Partial<SyslogReceiverOptions> = {}): Promise<number> {
    receiver = new SyslogReceiver({ journal, udpPort: 0, attribute: () => undefined, ...options });
    const { udpPort } = await receiver.start();
    assert.ok(udpPort && udpPort > 0);
    return udpPort;
  }

  async function send(port: number, ...datagrams: Array<string | Buffer>): Promise<void> {
    const s = createSocket('udp4');
    for (const d of datagrams) await new Promise<void>((r, j) => s.send(d, port, '127.0.0.1', (e) => (e ? j(e) : r())));
    s.close();
  }

  async function recordsOf(service: string, count: number): Promise<LogRecord[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const got = await journal.query({ names: [service] });
      if (got.length >= count || Date.now() > deadline) return got;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  test('an RFC 5424 message lands under the service its tag names, as "tag[pid]: message" with its severity', async () => {
    const port = await start({ attribute: ({ pid, appName }) => (pid === undefined && appName === 'web' ? 'web' : undefined) });
    await send(port, '<11>1 2026-11-24T00:00:00Z host web 77 - [x@1 a="b"] disk on fire');
    const [r] = await recordsOf('web', 1);
    assert.equal(r?.text, 'web[77]: disk on fire');
    assert.equal(r?.stream, 'syslog');
    assert.equal(r?.priority, 3);
  });

  test('facility, hostname, app-name, procid, MSGID and structured data are kept with the record', async () => {
    const port = await start({ attribute: ({ appName }) => appName });
    await send(port, '<134>1 2026-11-24T00:00:00Z db1 pg 812 CKPT [origin@1 ip="10.0.0.1" q="a \\"b\\""][x@2] checkpoint done');
    await send(port, '<30>Nov 24 01:00:00 pg[9]: bsd style');
    const got = await recordsOf('pg', 2);
    assert.deepEqual(got[0]!.syslog, {
      facility: 16,
      hostname: 'db1',
      appName: 'pg',
      procId: '812',
      msgId: 'CKPT',
      structuredData: [{ id: 'origin@1', params: [['ip', '10.0.0.1'], ['q', 'a "b"']] }, { id: 'x@2', params: [] }],
    });
    assert.deepEqual(got[1]!.syslog, { facility: 3, appName: 'pg', procId: '9' });
    assert.deepEqual((await journal.query({ names: ['pg'], facility: [3] })).map((r) => r.text), ['pg[9]: bsd style']);
    assert.deepEqual((await journal.query({ names: ['pg'], facility: [16, 3] })).length, 2);
    assert.deepEqual((await journal.query({ names: ['pg'], facility: [0] })).length, 0);
  });

  test('the pid a message claims attributes it when no sender pid is known', async () => {
    const asked: Array<[number | undefined, string | undefined]> = [];
    const port = await start({
      attribute: ({ pid, appName }) => {
        asked.push([pid, appName]);
        return pid === 4242 ? 'bypid' : undefined;
      },
    });
    await send(port, '<28>Nov 24 01:00:00 something-else[4242]: via pid');
    const [r] = await recordsOf('bypid', 1);
    assert.equal(r?.text, 'something-else[4242]: via pid');
    assert.equal(r?.priority, 4);
    assert.deepEqual(asked, [[4242, 'something-else']]);
  });

  test('an unattributed message goes under the fallback name', async () => {
    const port = await start({ fallback: 'misc' });
    await send(port, '<13>Nov 24 01:00:00 nobody: lost soul');
    const [r] = await recordsOf('misc', 1);
    assert.equal(r?.text, 'nobody: lost soul');
  });

  test('the fallback is "syslog" unless configured, and a throwing attribute callback costs nothing', async () => {
    const port = await start({
      attribute: () => {
        throw new Error('supervisor hiccup');
      },
    });
    await send(port, '<13>app: still here');
    const [r] = await recordsOf('syslog', 1);
    assert.equal(r?.text, 'app: still here');
  });

  test('garbage is kept raw at user.notice and does not stop the receiver', async () => {
    const port = await start();
    await send(port, Buffer.from([0xff, 0x00, 0x3c]), '<999>not a priority', '<14>1 - - tail - - - after the garbage');
    const got = await recordsOf('syslog', 3);
    assert.deepEqual(
      got.map((r) => [r.text, r.priority]),
      [
        ['\uFFFD\u0000<', 5],
        ['<999>not a priority', 5],
        ['tail: after the garbage', 6],
      ],
    );
    // The invalid byte is kept exactly, not just its replacement character.
    assert.equal(Buffer.from(got[0]!.b64!, 'base64').toString('hex'), 'ff003c');
  });

  test('a flood from one sender is cut at the burst and its drops reported as one record', async () => {
    const port = await start({ rateLimit: { burst: 5, intervalMs: 60_000 }, attribute: ({ appName }) => appName });
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    for (let i = 0; i < 40; i++) await new Promise<void>((r) => s.send(`<13>flood: message ${i}`, port, '127.0.0.1', () => r()));
    // Another sender is not held back by the flood.
    await send(port, '<13>flood: from elsewhere');
    const deadline = Date.now() + 5000;
    while (receiver!.stats().received < 41 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    s.close();
    assert.deepEqual(receiver!.stats(), { received: 41, recorded: 6, dropped: 35 });
    receiver!.stop();
    const got = await recordsOf('flood', 7);
    assert.deepEqual(
      got.slice(0, 5).map((r) => r.text),
      [0, 1, 2, 3, 4].map((i) => `flood: message ${i}`),
    );
    assert.equal(got[5]?.text, 'flood: from elsewhere');
    assert.match(got[6]?.text ?? '', /^hearth: suppressed 35 syslog messages from 127\.0\.0\.1:\d+ \(more than 5 in 60s\)$/);
    assert.equal(got[6]?.priority, 4);
    assert.equal(got.length, 7);
  });

  test('a UDP port already taken is refused with ERR_SOCKET_IN_USE', async () => {
    const port = await start();
    const second = new SyslogReceiver({ journal, udpPort: port, attribute: () => undefined });
    await assert.rejects(second.start(), (e) => isHearthError(e) && e.code === 'ERR_SOCKET_IN_USE' && e.message.includes(`127.0.0.1:${port}`));
  });
});
