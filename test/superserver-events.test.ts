import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseXinetdText } from '../src/config/xinetd-conf.js';
import { parseEtcServices } from '../src/config/etc-services.js';
import { SuperServer, type InetdEvent, type InetdServiceState } from '../src/superserver/index.js';
import { freePort, tcpExchange, waitFor } from './fixtures/xinetd/harness.js';

/**
 * Every state change of an inetd-style service is an event carrying
 * `change: { from, to }`, so a host can publish service.state without polling:
 * the changes of one service form an unbroken chain, and each `to` is what
 * status() says right after.
 */

const FIX = fileURLToPath(new URL('./fixtures/xinetd/', import.meta.url));

function block(name: string, port: number, attrs: Record<string, string>): string {
  const lines = Object.entries({ type: 'UNLISTED', socket_type: 'stream', wait: 'no', port: String(port), bind: '127.0.0.1', ...attrs })
    .map(([k, v]) => `\t${k} = ${v}`);
  return `service ${name}\n{\n${lines.join('\n')}\n}\n`;
}

async function defs(text: string) {
  const r = await parseXinetdText(text, 'test.conf', parseEtcServices(''));
  assert.deepEqual(r.errors.map(String), []);
  return r.services;
}

const engines: SuperServer[] = [];
after(async () => {
  for (const e of engines) await e.stop({ killServers: true });
});

/** An engine whose state events are checked as they come: chain unbroken, status() agrees. */
function watched() {
  const events: InetdEvent[] = [];
  const last = new Map<string, InetdServiceState>();
  const problems: string[] = [];
  const ss: SuperServer = new SuperServer({
    onEvent: (e) => {
      events.push(e);
      if (!e.change) return;
      const before = last.get(e.id) ?? 'off';
      if (e.change.from !== before) problems.push(`${e.id}: ${e.type} says from ${e.change.from}, but it was ${before}`);
      last.set(e.id, e.change.to);
      const now = ss.get(e.id)?.state;
      // A service that is being removed is no longer in status(); one being replaced may be its successor.
      if (now !== undefined && now !== e.change.to && e.type !== 'inetd.closed') problems.push(`${e.id}: ${e.type} says ${e.change.to}, status() says ${now}`);
    },
  });
  engines.push(ss);
  const changes = (id: string) => events.filter((e) => e.id === id && e.change).map((e) => `${e.type} ${e.change!.from}->${e.change!.to}`);
  return { ss, events, changes, problems };
}

describe('every state change of an inetd service is a typed event with the new state', () => {
  test('listening, then closed by a reload', async () => {
    const { ss, changes, problems } = watched();
    const port = await freePort();
    await ss.apply(await defs(block('daytime', port, { type: 'INTERNAL UNLISTED' })));
    await ss.apply([]);
    assert.deepEqual(changes('daytime'), ['inetd.listening off->listening', 'inetd.closed listening->off']);
    assert.deepEqual(problems, []);
  });

  test('suspended by cps, then resumed by itself', async () => {
    const { ss, events, changes, problems } = watched();
    const port = await freePort();
    await ss.apply(await defs(block('daytime', port, { type: 'INTERNAL UNLISTED', cps: '2 1' })));
    for (let i = 0; i < 3; i++) await tcpExchange(port, undefined, { timeoutMs: 1000 }).catch(() => undefined);
    await waitFor(() => ss.get('daytime')!.state === 'listening' && changes('daytime').length === 3, 5000);
    assert.deepEqual(changes('daytime'), [
      'inetd.listening off->listening',
      'inetd.suspended listening->suspended',
      'inetd.resumed suspended->listening',
    ]);
    const suspended = events.find((e) => e.type === 'inetd.suspended');
    assert.ok(suspended?.type === 'inetd.suspended' && suspended.reason === 'cps' && suspended.until > suspended.at);
    const resumed = events.find((e) => e.type === 'inetd.resumed');
    assert.ok(resumed?.type === 'inetd.resumed' && resumed.port === port);
    assert.deepEqual(problems, []);
  });

  test('a service that cannot bind is reported failed', async () => {
    const { ss, events, changes, problems } = watched();
    const port = await freePort();
    const blocker = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const r = await ss.apply(await defs(block('busy', port, { server: '/bin/cat' })));
      assert.equal(r.errors.length, 1);
    } finally {
      blocker.close();
    }
    assert.deepEqual(changes('busy'), ['inetd.error off->failed']);
    const error = events.find((e) => e.type === 'inetd.error' && e.id === 'busy');
    assert.ok(error?.type === 'inetd.error' && /the port is in use by hearthd itself/.test(error.message));
    assert.equal(ss.get('busy')!.state, 'failed');
    assert.deepEqual(problems, []);
  });

  test('switching the super-server off and on closes and reopens every service', async () => {
    const { ss, changes, problems } = watched();
    const port = await freePort();
    await ss.apply(await defs(block('echo', port, { type: 'INTERNAL UNLISTED' })));
    await ss.setEnabled(false);
    await ss.setEnabled(true);
    assert.deepEqual(changes('echo'), ['inetd.listening off->listening', 'inetd.closed listening->off', 'inetd.listening off->listening']);
    assert.deepEqual(problems, []);
  });

  test('a wait = yes service is waiting while its server owns the socket, and listening again after', async () => {
    const { ss, changes, problems } = watched();
    const port = await freePort();
    await ss.apply(await defs(block('tw', port, { wait: 'yes', server: process.execPath, server_args: `${join(FIX, 'tcp-wait-server.mjs')} 100` })));
    assert.match((await tcpExchange(port)).toString(), /conn=1/);
    await waitFor(() => changes('tw').length === 3, 5000);
    assert.deepEqual(changes('tw'), ['inetd.listening off->listening', 'inetd.server listening->waiting', 'inetd.server waiting->listening']);
    assert.deepEqual(problems, []);
  });

  test('stop() reports every service closed', async () => {
    const { ss, changes, problems } = watched();
    const [a, b] = [await freePort(), await freePort()];
    await ss.apply(await defs(block('daytime', a, { type: 'INTERNAL UNLISTED' }) + block('cat', b, { server: '/bin/cat' })));
    await ss.stop();
    assert.deepEqual(changes('daytime').at(-1), 'inetd.closed listening->off');
    assert.deepEqual(changes('cat').at(-1), 'inetd.closed listening->off');
    assert.deepEqual(problems, []);
  });
});
