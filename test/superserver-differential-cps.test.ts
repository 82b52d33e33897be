import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { parseXinetdText } from '../src/config/xinetd-conf.js';
import { loadEtcServices, parseEtcServices } from '../src/config/etc-services.js';
import { SuperServer } from '../src/superserver/index.js';
import { hasXinetd, startXinetd } from './fixtures/xinetd/harness.js';
import { freePortBlock } from './helpers/index.js';

/**
 * Issue 20 item 8 against the real xinetd: which redirect services xinetd
 * refuses to offer, and how cps trips again after the pause (its window is
 * not reset, so the first connection after the pause may trip it at once).
 */

type Outcome = 'served' | 'closed' | 'refused';

/** One daytime-style connection: answered, closed without a word, or refused by the kernel. */
function outcome(port: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let data = '';
    s.on('data', (d) => (data += d));
    s.on('close', () => resolve(data.length > 0 ? 'served' : 'closed'));
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') resolve('refused');
    });
    s.setTimeout(5000, () => s.destroy());
  });
}

/** Does anything listen there? */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for the next whole second plus `ms` (xinetd's cps runs on time(2)). */
async function nextSecond(ms: number): Promise<void> {
  await sleep(1000 - (Date.now() % 1000) + ms);
}

describe('redirect services xinetd disables, against the real xinetd', { skip: hasXinetd ? false : 'xinetd is not installed (apt-get install xinetd)' }, () => {
  // A target on an address of its own, at the port /etc/services gives "gopher" (70), so two runs never collide.
  const targetAddr = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  const CASES: Array<[string, string]> = [
    ['plain', `\tredirect = ${targetAddr} 70`],
    ['by-service-name', `\tredirect = ${targetAddr} gopher`],
    ['waits', `\tredirect = ${targetAddr} 70\n\twait = yes`],
    ['nameinargs', `\tredirect = ${targetAddr} 70\n\tflags = NAMEINARGS IPv4\n\tserver_args = x`],
    ['traffic-without-redirect', '\tserver = /bin/cat\n\tlog_on_success = TRAFFIC'],
    ['bad-port', `\tredirect = ${targetAddr} nosuchservice`],
    ['port-zero', `\tredirect = ${targetAddr} 0`],
  ];
  let base: number;
  let xinetd: Awaited<ReturnType<typeof startXinetd>>;
  let ss: SuperServer;
  let target: net.Server;

  const config = (first: number): string =>
    CASES.map(([id, lines], i) => {
      const wait = lines.includes('wait = yes') ? '' : '\twait = no\n';
      const flags = lines.includes('flags =') ? '' : '\tflags = IPv4\n';
      return `service ${id}\n{\n\ttype = UNLISTED\n\tsocket_type = stream\n\tprotocol = tcp\n\tuser = root\n\tport = ${first + i}\n${wait}${flags}${lines}\n}\n`;
    }).join('') +
    `service ready\n{\n\ttype = UNLISTED\n\tsocket_type = stream\n\tprotocol = tcp\n\tuser = root\n\twait = no\n\tport = ${first + CASES.length}\n\tserver = /bin/true\n}\n`;

  before(async () => {
    target = net.createServer((s) => {
      // A probe that only checks the port resets its relayed copy.
      s.on('error', () => undefined);
      s.end('from the target\n');
    }).listen(70, targetAddr);
    await new Promise((r) => target.once('listening', r));
    base = await freePortBlock(2 * (CASES.length + 1));
    xinetd = await startXinetd(config(base), [base + CASES.length]);
    ss = new SuperServer();
    const parsed = await parseXinetdText(config(base + CASES.length + 1), 'redirect.conf', await loadEtcServices());
    await ss.apply(parsed.services);
  });

  after(async () => {
    await xinetd?.stop();
    await ss?.stop({ killServers: true });
    target?.close();
  });

  test('hearth offers exactly the redirect services xinetd offers', async () => {
    const offered: Record<string, [boolean, boolean]> = {};
    for (const [i, [id]] of CASES.entries()) {
      offered[id] = [await listening(base + i), await listening(base + CASES.length + 1 + i)];
    }
    for (const [id, [real, ours]] of Object.entries(offered)) assert.equal(ours, real, `${id}: xinetd ${real ? 'listens' : 'does not listen'}`);
    // And the table is not trivial: both kinds occur.
    assert.deepEqual(Object.entries(offered).filter(([, [real]]) => real).map(([id]) => id), ['plain', 'by-service-name']);
  });

  test('the service-name port reaches the target', async () => {
    for (const port of [base + 1, base + CASES.length + 2]) {
      const got = await new Promise<string>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port });
        let d = '';
        s.on('data', (x) => (d += x));
        s.on('close', () => resolve(d));
        s.on('error', () => resolve(d));
      });
      assert.equal(got, 'from the target\n');
    }
  });
});

describe('cps after the pause, against the real xinetd', { skip: hasXinetd ? false : 'xinetd is not installed (apt-get install xinetd)' }, () => {
  let xinetdPort: number;
  let hearthPort: number;
  let xinetd: Awaited<ReturnType<typeof startXinetd>>;
  let ss: SuperServer;
  const limited = (port: number): string =>
    `service daytime\n{\n\ttype = INTERNAL UNLISTED\n\tid = limited\n\tsocket_type = stream\n\tprotocol = tcp\n\tport = ${port}\n\twait = no\n\tuser = root\n\tcps = 2 1\n\tflags = IPv4\n}\n`;

  before(async () => {
    const base = await freePortBlock(3);
    [xinetdPort, hearthPort] = [base, base + 1];
    const ready = `service daytime\n{\n\ttype = INTERNAL UNLISTED\n\tid = ready\n\tsocket_type = stream\n\tprotocol = tcp\n\tport = ${base + 2}\n\twait = no\n\tuser = root\n\tflags = IPv4\n}\n`;
    xinetd = await startXinetd(limited(xinetdPort) + ready, [base + 2]);
    ss = new SuperServer();
    const parsed = await parseXinetdText(limited(hearthPort), 'cps.conf', parseEtcServices(''));
    assert.deepEqual((await ss.apply(parsed.services)).errors, []);
  });

  after(async () => {
    await xinetd?.stop();
    await ss?.stop({ killServers: true });
  });

  test('the first connection after the pause trips it again while the window is young; the next pause ends with a fresh window', async () => {
    // Each step goes to both, one right after the other, early in a second.
    const both = async (): Promise<[Outcome, Outcome]> => [await outcome(xinetdPort), await outcome(hearthPort)];
    await nextSecond(50);
    const seen: Array<[Outcome, Outcome]> = [];
    for (let i = 0; i < 3; i++) seen.push(await both());
    // Poll until each is back; a refused connect never reaches either daemon, so it is not counted.
    const untilBack = async (port: number): Promise<Outcome> => {
      const deadline = Date.now() + 6000;
      for (;;) {
        const o = await outcome(port);
        if (o !== 'refused' || Date.now() > deadline) return o;
        await sleep(20);
      }
    };
    seen.push([await untilBack(xinetdPort), await untilBack(hearthPort)]);
    seen.push([await untilBack(xinetdPort), await untilBack(hearthPort)]);
    const real = seen.map(([x]) => x);
    const ours = seen.map(([, h]) => h);
    assert.deepEqual(ours, real);
    assert.deepEqual(real, ['served', 'served', 'closed', 'closed', 'served']);
    assert.equal(ss.get('limited')!.refused.cps, 2);
  });
});
