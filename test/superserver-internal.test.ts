import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { parseXinetdText } from '../src/config/xinetd-conf.js';
import { parseEtcServices } from '../src/config/etc-services.js';
import { SuperServer } from '../src/superserver/index.js';
import { hasXinetd, startXinetd, tcpExchange, udpExchange } from './fixtures/xinetd/harness.js';
import { freePortBlock } from './helpers/index.js';

const run = promisify(execFile);

/**
 * A datagram that must be answered: on a loaded machine (the whole suite runs
 * two files at a time) a peer can miss the first timeout, so ask up to 3 times.
 * No reply means nothing moved on the server side, so a retry changes no state.
 */
async function udpAnswer(port: number, payload: Buffer | string): Promise<Buffer> {
  for (let i = 0; i < 3; i++) {
    const r = await udpExchange(port, payload, 1500);
    if (r) return r;
  }
  throw new Error(`no UDP answer from port ${port} after 3 tries`);
}
const NAMES = ['echo', 'discard', 'daytime', 'time', 'chargen'] as const;

/** The same service blocks for both daemons; only the base port differs. */
function config(base: number): string {
  let s = 'defaults\n{\n}\n';
  NAMES.forEach((n, i) => {
    for (const [st, proto, wait] of [['stream', 'tcp', 'no'], ['dgram', 'udp', 'yes']]) {
      s += `service ${n}\n{\n\ttype = INTERNAL UNLISTED\n\tid = ${n}-${st}\n\tsocket_type = ${st}\n\tprotocol = ${proto}\n\tuser = root\n\twait = ${wait}\n\tport = ${base + i}\n\tbind = 127.0.0.1\n\tdisable = no\n}\n`;
    }
  });
  return s;
}

function daytimeShape(b: Buffer): void {
  assert.match(b.toString('latin1'), /^\d\d (JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC) \d{4} \d\d:\d\d:\d\d \S+\r\n$/);
}

function daytimeClose(a: Buffer, b: Buffer): void {
  daytimeShape(a);
  daytimeShape(b);
  const t = (x: Buffer) => Date.parse(x.toString('latin1').replace(/\r\n$/, '').replace(/ (\S+)$/, ''));
  assert.ok(Math.abs(t(a) - t(b)) <= 2000, `${a} vs ${b}`);
}

function timeClose(a: Buffer, b: Buffer): void {
  assert.equal(a.length, 4);
  assert.equal(b.length, 4);
  assert.ok(Math.abs(a.readUInt32BE(0) - b.readUInt32BE(0)) <= 2);
  assert.ok(Math.abs(b.readUInt32BE(0) - 2208988800 - Date.now() / 1000) <= 2);
}

describe('internal services, byte for byte against the real xinetd', () => {
  let hearthBase = 0;
  let xinetdBase = 0;
  let ss: SuperServer;
  let xinetd: Awaited<ReturnType<typeof startXinetd>> | undefined;

  before(async () => {
    hearthBase = await freePortBlock(5);
    ss = new SuperServer();
    const parsed = await parseXinetdText(config(hearthBase), 'internal.conf', parseEtcServices(''));
    assert.deepEqual(parsed.errors.map(String), []);
    const r = await ss.apply(parsed.services);
    assert.deepEqual(r.errors, []);
    if (hasXinetd) {
      xinetdBase = await freePortBlock(5);
      xinetd = await startXinetd(config(xinetdBase), [xinetdBase, xinetdBase + 4]);
    }
  });
  after(async () => {
    await ss.stop();
    await xinetd?.stop();
  });

  test('hearth alone: every internal TCP service answers by its RFC', async () => {
    assert.equal((await tcpExchange(hearthBase, 'ping\r\n', { endAfterSend: true })).toString(), 'ping\r\n');
    assert.equal((await tcpExchange(hearthBase + 1, 'ping\r\n', { endAfterSend: true })).length, 0);
    daytimeShape(await tcpExchange(hearthBase + 2));
    timeClose(await tcpExchange(hearthBase + 3), await tcpExchange(hearthBase + 3));
    const cg = await tcpExchange(hearthBase + 4, undefined, { limit: 74 * 3 });
    assert.equal(cg.subarray(0, 74).toString('latin1'), `${'!"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefgh'}\r\n`);
    assert.equal(cg.subarray(74, 75).toString(), '"', 'each line starts one character later');
  });

  test('TCP echo, discard and chargen are identical to xinetd', async (t) => {
    if (!xinetd) return t.skip('xinetd not installed');
    const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 256));
    const [a, b] = await Promise.all([tcpExchange(xinetdBase, payload, { endAfterSend: true }), tcpExchange(hearthBase, payload, { endAfterSend: true })]);
    assert.ok(a.equals(payload) && b.equals(payload));
    const [da, db] = await Promise.all([tcpExchange(xinetdBase + 1, payload, { endAfterSend: true }), tcpExchange(hearthBase + 1, payload, { endAfterSend: true })]);
    assert.equal(da.length, 0);
    assert.equal(db.length, 0);
    const [ca, cb] = await Promise.all([tcpExchange(xinetdBase + 4, undefined, { limit: 50_000 }), tcpExchange(hearthBase + 4, undefined, { limit: 50_000 })]);
    assert.equal(ca.length, 50_000);
    assert.ok(ca.equals(cb), 'chargen streams differ');
  });

  test('TCP daytime and time match xinetd in format and clock', async (t) => {
    if (!xinetd) return t.skip('xinetd not installed');
    daytimeClose(await tcpExchange(xinetdBase + 2), await tcpExchange(hearthBase + 2));
    timeClose(await tcpExchange(xinetdBase + 3), await tcpExchange(hearthBase + 3));
  });

  test('UDP echo, daytime, time and chargen replies are identical to xinetd; discard stays silent', async (t) => {
    if (!xinetd) return t.skip('xinetd not installed');
    const big = Buffer.alloc(3000, 0x41);
    const [ea, eb] = [await udpAnswer(xinetdBase, big), await udpAnswer(hearthBase, big)];
    assert.equal(ea!.length, 2048, 'xinetd truncates echo replies to 2048 bytes');
    assert.ok(ea!.equals(eb!));
    assert.equal(await udpExchange(xinetdBase + 1, 'x', 300), undefined);
    assert.equal(await udpExchange(hearthBase + 1, 'x', 300), undefined);
    daytimeClose(await udpAnswer(xinetdBase + 2, 'x'), await udpAnswer(hearthBase + 2, 'x'));
    timeClose(await udpAnswer(xinetdBase + 3, 'x'), await udpAnswer(hearthBase + 3, 'x'));
    for (let i = 0; i < 3; i++) {
      const [ca, cb] = [await udpAnswer(xinetdBase + 4, 'x'), await udpAnswer(hearthBase + 4, 'x')];
      assert.equal(ca!.length, 1024);
      assert.ok(ca!.equals(cb!), `chargen datagram ${i} differs`);
    }
    // UDP chargen moved the daemon-wide ring; a new TCP stream starts where it stands, in both.
    const [sa, sb] = await Promise.all([tcpExchange(xinetdBase + 4, undefined, { limit: 2000 }), tcpExchange(hearthBase + 4, undefined, { limit: 2000 })]);
    assert.ok(sa.equals(sb), 'TCP chargen after UDP chargen differs');
  });

  test('UDP replies are never sent to the small services\' well-known ports', async () => {
    // Sending from port 7 needs root; without it, the guard is covered by the source-port-0 case.
    const dgram = await import('node:dgram');
    const s = dgram.createSocket('udp4');
    const bound = await new Promise<boolean>((resolve) => {
      s.once('error', () => resolve(false));
      s.bind(19, '127.0.0.1', () => resolve(true));
    });
    if (!bound) {
      s.close();
      return;
    }
    let got = false;
    s.on('message', () => (got = true));
    s.send('loop?', hearthBase, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 300));
    s.close();
    assert.equal(got, false);
  });

  test('real clients: nc against echo, discard, daytime and chargen', async (t) => {
    if (!existsSync('/usr/bin/nc') && !existsSync('/bin/nc')) return t.skip('nc not installed');
    const nc = async (port: number, input: string) => {
      const child = execFile('nc', ['-N', '-w', '2', '127.0.0.1', String(port)], { encoding: 'latin1', maxBuffer: 1 << 20 });
      child.stdin!.end(input);
      const out: string[] = [];
      child.stdout!.on('data', (d: string) => out.push(d));
      await new Promise((r) => child.on('close', r));
      return out.join('');
    };
    assert.equal(await nc(hearthBase, 'hello nc\n'), 'hello nc\n');
    assert.equal(await nc(hearthBase + 1, 'into the void\n'), '');
    daytimeShape(Buffer.from(await nc(hearthBase + 2, ''), 'latin1'));
    const cg = await run('sh', ['-c', `nc -d -w 2 127.0.0.1 ${hearthBase + 4} | head -c 740`], { encoding: 'latin1' });
    assert.equal(cg.stdout.length, 740);
    assert.equal(cg.stdout.split('\r\n').length, 11);
  });

  test('real clients: rdate reads time over TCP and UDP', async (t) => {
    if (!existsSync('/usr/sbin/rdate') && !existsSync('/usr/bin/rdate')) return t.skip('rdate not installed');
    for (const extra of [[], ['-u']]) {
      const { stdout } = await run('rdate', ['-p', '-o', String(hearthBase + 3), ...extra, '127.0.0.1']);
      const when = Date.parse(stdout.replace(/^.*?\]\s*/, '').trim());
      assert.ok(Math.abs(when - Date.now()) < 5000, stdout);
    }
  });
});
