import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import dgram from 'node:dgram';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseXinetdText } from '../src/config/xinetd-conf.js';
import { parseEtcServices } from '../src/config/etc-services.js';
import { SuperServer } from '../src/superserver/index.js';
import { acceptorHelperPath } from '../src/native/index.js';
import { freePort, tcpExchange, udpExchange } from './fixtures/xinetd/harness.js';

/**
 * apply(), setEnabled(false) and stop() resolve only once every copy of a
 * listening socket that hearthd or its helpers held is closed: the caller may
 * bind the port at once. Each case is repeated, because the bug this guards
 * against (a helper still holding the port for a moment) shows up only now
 * and then, more often on a busy machine.
 */

const FIX = fileURLToPath(new URL('./fixtures/xinetd/', import.meta.url));
const ROUNDS = 15;

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

/** Binds the port ourselves with no SO_REUSEPORT sharing: fails with EADDRINUSE while anyone else still holds it. */
function bindTcpNow(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve()));
  });
}

function bindUdpNow(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind({ port, address: '127.0.0.1', exclusive: true }, () => s.close(() => resolve()));
  });
}

const engines: SuperServer[] = [];
after(async () => {
  for (const e of engines) await e.stop({ killServers: true });
});

function engine(options: ConstructorParameters<typeof SuperServer>[0] = {}): SuperServer {
  const ss = new SuperServer(options);
  engines.push(ss);
  return ss;
}

const kinds: Array<{ name: string; service: string; udp?: boolean; attrs: Record<string, string>; use(port: number): Promise<unknown>; skip?: string | false }> = [
  {
    name: 'a plain wait = no service served by hearth-acceptor',
    service: 'plain',
    attrs: { server: '/bin/cat' },
    use: (port) => tcpExchange(port, 'x', { endAfterSend: true }),
    skip: acceptorHelperPath() ? false : 'hearth-acceptor is not built',
  },
  { name: 'a wait = no service served by a Node listener', service: 'banner', attrs: { server: '/bin/cat', banner: join(FIX, 'whoami.sh') }, use: (port) => tcpExchange(port, 'x', { endAfterSend: true }) },
  { name: 'an internal service on the raw TCP handle', service: 'daytime', attrs: { type: 'INTERNAL UNLISTED' }, use: (port) => tcpExchange(port) },
  { name: 'a wait = yes TCP service (its socket waited on by the fd helper)', service: 'waiter', attrs: { wait: 'yes', server: '/bin/true' }, use: async () => undefined },
  { name: 'an internal UDP service', service: 'daytime', udp: true, attrs: { type: 'INTERNAL UNLISTED', socket_type: 'dgram', protocol: 'udp', wait: 'yes' }, use: (port) => udpExchange(port, 'x', 1000) },
];

describe('the super-server resolves only when the ports are really free', () => {
  for (const k of kinds) {
    test(`apply() without ${k.name} frees its port before it resolves`, { skip: k.skip ?? false }, async () => {
      const ss = engine();
      for (let i = 0; i < ROUNDS; i++) {
        const port = await freePort();
        const r = await ss.apply(await defs(block(k.service, port, k.attrs)));
        assert.deepEqual(r.errors, []);
        await k.use(port);
        await ss.apply([]);
        await (k.udp ? bindUdpNow(port) : bindTcpNow(port));
      }
    });
  }

  test('setEnabled(false) and stop() free every port before they resolve', { skip: acceptorHelperPath() ? false : 'hearth-acceptor is not built' }, async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const ports = [await freePort(), await freePort(), await freePort()];
      const ss = engine();
      await ss.apply(await defs(
        block('plain', ports[0]!, { server: '/bin/cat' }) +
        block('waiter', ports[1]!, { wait: 'yes', server: '/bin/true' }) +
        block('daytime', ports[2]!, { type: 'INTERNAL UNLISTED' }),
      ));
      await tcpExchange(ports[0]!, 'x', { endAfterSend: true });
      await ss.setEnabled(false);
      for (const p of ports) await bindTcpNow(p);
      await ss.setEnabled(true);
      assert.equal((await tcpExchange(ports[0]!, 'y', { endAfterSend: true })).toString(), 'y');
      await ss.stop();
      for (const p of ports) await bindTcpNow(p);
    }
  });
});

