import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseXinetdText } from '../src/config/xinetd-conf.js';
import { parseEtcServices } from '../src/config/etc-services.js';
import { SuperServer, type InetdEvent, type InetdLogLine } from '../src/superserver/index.js';
import { acceptorHelperPath, nativeHelperPath } from '../src/native/index.js';
import { readProcStat } from '../src/process/index.js';
import { freePort, tcpExchange, tempDir, waitFor } from './fixtures/xinetd/harness.js';

const skip = acceptorHelperPath() && nativeHelperPath('hearth-spawner') ? false : 'the native helpers are not built (no C compiler?)';

function block(name: string, port: number, attrs: Record<string, string>): string {
  const lines = Object.entries({ type: 'UNLISTED', socket_type: 'stream', wait: 'no', port: String(port), bind: '127.0.0.1', user: 'root', ...attrs })
    .map(([k, v]) => `\t${k} = ${v}`);
  return `service ${name}\n{\n${lines.join('\n')}\n}\n`;
}

async function defs(text: string) {
  const r = await parseXinetdText(text, 'test.conf', parseEtcServices(''));
  assert.deepEqual(r.errors.map(String), []);
  return r.services;
}

/** Our own children with this command name. */
function childrenNamed(name: string): number[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number).filter((pid) => {
    try {
      return readProcStat(pid)?.ppid === process.pid && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
    } catch {
      return false;
    }
  });
}

const engines: SuperServer[] = [];
after(async () => {
  for (const e of engines) await e.stop({ killServers: true });
});

describe('the super-server starts per-connection servers through its native helpers', { skip }, () => {
  test('a plain service goes through hearth-acceptor, a banner service through hearth-spawner; both count and log as before', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'banner'), 'HI\n');
    const parent = join(dir, 'parent.sh');
    writeFileSync(parent, '#!/bin/sh\ncat /proc/$PPID/comm\n', { mode: 0o755 });
    const [plain, banner] = [await freePort(), await freePort()];
    const logs: InetdLogLine[] = [];
    const ss = new SuperServer({ onLog: (l) => logs.push(l) });
    engines.push(ss);
    await ss.apply(await defs(
      block('plain', plain, { server: parent, log_on_success: 'PID HOST EXIT' }) +
      block('greet', banner, { server: parent, banner: join(dir, 'banner') }),
    ));
    assert.equal((await tcpExchange(plain)).toString(), 'hearth-acceptor\n');
    assert.equal((await tcpExchange(banner)).toString(), 'HI\nhearth-spawner\n');
    await waitFor(() => ss.get('plain')!.instances === 0 && ss.get('greet')!.instances === 0);
    assert.equal(ss.get('plain')!.served, 1);
    await waitFor(() => logs.some((l) => l.message.startsWith('EXIT')));
    const lines = logs.filter((l) => l.id === 'plain').map((l) => l.message.replace(/pid=\d+/, 'pid=N'));
    assert.deepEqual(lines, ['START: plain pid=N from=127.0.0.1', 'EXIT: plain status=0 pid=N']);
  });

  test('a reload that changes a service on the same port serves the new definition at once', async () => {
    const port = await freePort();
    const ss = new SuperServer();
    engines.push(ss);
    for (let i = 0; i < 5; i++) {
      const r = await ss.apply(await defs(block('echoer', port, { server: '/bin/echo', server_args: `version ${i}` })));
      assert.deepEqual(r.errors, []);
      assert.equal((await tcpExchange(port)).toString(), `version ${i}\n`);
    }
  });

  test('kill -9 of the acceptor loses no later connection, and instances come back to 0', async () => {
    const port = await freePort();
    const events: InetdEvent[] = [];
    const ss = new SuperServer({ onEvent: (e) => events.push(e) });
    engines.push(ss);
    const before = new Set(childrenNamed('hearth-acceptor'));
    await ss.apply(await defs(block('cat', port, { server: '/bin/cat', instances: '50' })));
    const [acceptor] = childrenNamed('hearth-acceptor').filter((p) => !before.has(p));
    assert.ok(acceptor, 'an acceptor runs for the service');
    const held = net.connect(port, '127.0.0.1');
    held.on('error', () => undefined);
    await waitFor(() => ss.get('cat')!.instances === 1);
    process.kill(acceptor, 'SIGKILL');
    await waitFor(() => events.some((e) => e.type === 'inetd.error' && /killed by SIGKILL; started again/.test(e.message)));
    const texts = Array.from({ length: 20 }, (_, i) => `after ${i}\n`);
    const outs = await Promise.all(texts.map((t) => tcpExchange(port, t, { endAfterSend: true })));
    assert.deepEqual(outs.map(String), texts);
    held.end();
    await waitFor(() => ss.get('cat')!.instances === 0);
    assert.equal(ss.get('cat')!.served, 21);
  });
});
