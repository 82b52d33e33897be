import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, freePortBlock } from './helpers/index.js';

interface Row {
  name: string;
  state: string;
  detail?: string;
  errors?: string[];
}

function tcpListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/**
 * Issue 21 item 2: a port the super-server cannot bind makes that service
 * failed (saying who holds the port), the super-server "degraded" (saying
 * which ports), and no raw Node error reaches the user.
 */
describe('hearthd: inetd ports that are taken', () => {
  let d: RunningDaemon;
  let base = 0;
  let tcpHolder: ChildProcess;
  let udpHolder: dgram.Socket;

  before(async () => {
    base = await freePortBlock(4);
    // Somebody else's processes on two of the ports: nc on TCP, this test itself on UDP.
    tcpHolder = spawn('nc', ['-lk', '127.0.0.1', String(base)], { stdio: 'ignore' });
    await eventually(() => tcpListening(base), 5000, 'nc to listen');
    udpHolder = dgram.createSocket('udp4');
    await new Promise<void>((r) => udpHolder.bind(base + 2, '127.0.0.1', () => r()));
    const svc = (id: string, name: string, lines: string): string =>
      `service ${name}\n{\n\tid = ${id}\n\ttype = UNLISTED\n\tflags = IPv4\n${lines}\n}\n`;
    d = await startDaemon({
      'xinetd.d/taken-server': svc('taken-server', 'taken-server', `\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tport = ${base}\n\tuser = root\n\tserver = /bin/cat`),
      'xinetd.d/free-daytime': svc('free-daytime', 'daytime', `\ttype = INTERNAL UNLISTED\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tport = ${base + 1}`),
      'xinetd.d/taken-udp': svc('taken-udp', 'echo', `\ttype = INTERNAL UNLISTED\n\tsocket_type = dgram\n\tprotocol = udp\n\twait = yes\n\tport = ${base + 2}`),
    });
    // The control socket answers before the boot has tried the ports: wait for the super-server to settle.
    await eventually(() => (JSON.parse(d.cli('list', '--json').stdout) as Row[]).find((r) => r.name === 'xinetd')?.state === 'degraded', 10_000, 'the ports to be tried');
  });

  after(async () => {
    await d?.stop();
    tcpHolder?.kill();
    try {
      udpHolder?.close();
    } catch {
      // closed by the test
    }
  });

  const rows = (): Row[] => JSON.parse(d.cli('list', '--json').stdout) as Row[];
  const row = (name: string): Row => rows().find((r) => r.name === name)!;

  test('a service whose port is taken is failed, and says who holds it', () => {
    const tcp = row('taken-server');
    assert.equal(tcp.state, 'failed');
    assert.match(tcp.detail ?? '', new RegExp(`^cannot listen on tcp 0\\.0\\.0\\.0:${base}: the port is in use by pid ${tcpHolder.pid} \\(nc\\)$`));
    const udp = row('taken-udp');
    assert.equal(udp.state, 'failed');
    assert.match(udp.detail ?? '', new RegExp(`^cannot listen on udp 0\\.0\\.0\\.0:${base + 2}: the port is in use by pid ${process.pid} \\(node\\)$`));
    assert.equal(row('free-daytime').state, 'running');
  });

  test('the super-server is degraded, and says which ports it lacks', () => {
    const x = row('xinetd');
    assert.equal(x.state, 'degraded');
    assert.match(x.detail ?? '', new RegExp(`^listening on 1 of 3 ports; not on tcp/${base} \\(taken-server\\): .*pid ${tcpHolder.pid} \\(nc\\); udp/${base + 2} \\(taken-udp\\): `));
    const status = d.cli('status', 'xinetd');
    assert.equal(status.code, 0, 'degraded is still running for LSB status');
    assert.match(status.stdout, /degraded/);
  });

  test('no raw Node error text reaches the user anywhere', () => {
    const everything = d.cli('logs', '-n', '1000').stdout + d.cli('status', 'taken-server').stdout + d.output();
    assert.doesNotMatch(everything, /listen EADDRINUSE|address already in use|bind EADDRINUSE/);
    assert.match(d.cli('logs', 'hearthd', '-n', '100').stdout, new RegExp(`taken-server: cannot listen on tcp 0\\.0\\.0\\.0:${base}: the port is in use by pid ${tcpHolder.pid} \\(nc\\)`));
  });

  test('once the ports are free, a restart brings every service up and the super-server is running again', async () => {
    tcpHolder.kill();
    udpHolder.close();
    await eventually(async () => !(await tcpListening(base)), 5000, 'nc to be gone');
    assert.equal(d.cli('restart', 'xinetd').code, 0);
    await eventually(() => row('xinetd').state === 'running', 10_000, 'xinetd running');
    assert.equal(row('taken-server').state, 'running');
    assert.equal(row('taken-udp').state, 'running');
    assert.ok(await tcpListening(base));
  });
});
