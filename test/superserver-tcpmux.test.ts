import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { parseXinetdText } from '../src/config/xinetd-conf.js';
import { parseEtcServices } from '../src/config/etc-services.js';
import { SuperServer } from '../src/superserver/index.js';
import { freePort, waitFor } from './fixtures/xinetd/harness.js';

/**
 * RFC 1078 tcpmux: the client names a service on the tcpmux port and is
 * handed to it. `then` is sent once the super-server has said "+Go".
 */
function mux(port: number, line: string, then?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    let sent = false;
    s.on('connect', () => s.write(`${line}\r\n`));
    s.on('data', (d) => {
      data += d;
      if (then !== undefined && !sent && data.startsWith('+Go\r\n')) {
        sent = true;
        s.end(then);
      }
    });
    s.on('close', () => resolve(data));
    s.on('error', reject);
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
  });
}

describe('tcpmux (RFC 1078)', () => {
  let ss: SuperServer;
  let port: number;
  before(async () => {
    port = await freePort();
    const text = [
      `service tcpmux\n{\n\ttype = INTERNAL UNLISTED\n\tsocket_type = stream\n\tprotocol = tcp\n\tport = ${port}\n\twait = no\n\tdisable = no\n}\n`,
      // TCPMUXPLUS: the super-server says "+Go" itself, then hands over.
      'service catmux\n{\n\ttype = TCPMUXPLUS\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tserver = /bin/cat\n\tdisable = no\n}\n',
      // TCPMUX: the server must answer "+" itself.
      // (server_args are split on white space as xinetd does, without quotes: printf expands \r\n.)
      'service selfmux\n{\n\ttype = TCPMUX\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tserver = /usr/bin/printf\n\tserver_args = +ready\\r\\n\n\tdisable = no\n}\n',
    ].join('');
    const parsed = await parseXinetdText(text, 'tcpmux.conf', parseEtcServices(''));
    assert.deepEqual(parsed.errors.map(String), []);
    ss = new SuperServer();
    assert.deepEqual((await ss.apply(parsed.services)).errors, []);
  });
  after(() => ss?.stop({ killServers: true }));

  test('a TCPMUXPLUS service gets "+Go" from the super-server, then the connection', async () => {
    assert.equal(await mux(port, 'catmux', 'echoed\n'), '+Go\r\nechoed\n');
  });

  test('a TCPMUX service answers "+" itself', async () => {
    assert.equal(await mux(port, 'selfmux'), '+ready\r\n');
  });

  test('a connection handed to a service no longer counts against tcpmux', async () => {
    for (let i = 0; i < 3; i++) assert.equal(await mux(port, 'catmux', `${i}\n`), `+Go\r\n${i}\n`);
    await waitFor(() => ss.get('catmux')!.instances === 0 && ss.get('tcpmux')!.instances === 0);
    assert.ok(ss.get('tcpmux')!.served >= 3);
  });

  test('HELP lists the services; an unknown name gets "-"', async () => {
    const help = await mux(port, 'help');
    assert.match(help, /catmux\r\n/);
    assert.match(help, /selfmux\r\n/);
    assert.match(await mux(port, 'nosuch'), /^-/);
  });
});

describe('tcpmux and cps', () => {
  let ss: SuperServer | undefined;
  after(() => ss?.stop({ killServers: true }));

  test('a tcpmux client suspended by cps comes back through tcpmux, without a port of its own', async () => {
    const port = await freePort();
    const text = [
      `service tcpmux\n{\n\ttype = INTERNAL UNLISTED\n\tsocket_type = stream\n\tprotocol = tcp\n\tport = ${port}\n\twait = no\n\tbind = 127.0.0.1\n}\n`,
      'service burstmux\n{\n\ttype = TCPMUXPLUS\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tserver = /bin/cat\n\tcps = 1 1\n}\n',
    ].join('');
    const parsed = await parseXinetdText(text, 'tcpmux.conf', parseEtcServices(''));
    assert.deepEqual(parsed.errors.map(String), []);
    ss = new SuperServer();
    assert.deepEqual((await ss.apply(parsed.services)).errors, []);
    assert.equal(await mux(port, 'burstmux', 'one\n'), '+Go\r\none\n');
    await mux(port, 'burstmux', 'two\n');
    assert.equal(ss.get('burstmux')!.refused.cps, 1);
    await waitFor(() => ss!.get('burstmux')!.state === 'listening', 5000);
    assert.equal(ss.get('burstmux')!.port, null, 'no listener of its own');
    assert.equal(await mux(port, 'burstmux', 'three\n'), '+Go\r\nthree\n');
  });
});
