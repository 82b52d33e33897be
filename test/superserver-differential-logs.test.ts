import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { parseXinetdText } from '../src/config/xinetd-conf.js';
import { parseEtcServices } from '../src/config/etc-services.js';
import { SuperServer } from '../src/superserver/index.js';
import { hasXinetd, startXinetd } from './fixtures/xinetd/harness.js';
import { eventually, freePortBlock, tempDir } from './helpers/index.js';

/**
 * The same services under the real xinetd and under hearth's super-server,
 * each with `log_type = FILE`: after the same clients, both files hold the
 * same lines (issue 20 item 7) — START/EXIT/FAIL/TRAFFIC/USERID, from=,
 * pid=, duration=, exit status and signal — and refused clients get the
 * banner, then banner_fail (item 5). Pids and durations are compared by
 * shape: they differ from run to run.
 */

/** Services in port order; hearth's ports follow xinetd's. */
const NAMES = ['ok', 'addr', 'daytime', 'echo', 'relay', 'limited', 'killed', 'banner', 'banner-time', 'userid', 'ready'] as const;
type Name = (typeof NAMES)[number];

function config(base: number, logFile: string, files: { banner: string; fail: string; success: string }, relayTo: number): string {
  const away = new Date(Date.now() + 3 * 3600_000);
  const hh = String(away.getHours()).padStart(2, '0');
  const svc = (name: Name, lines: string, id: string = name): string =>
    `service ${name}\n{\n\tid = ${id}\n\ttype = UNLISTED\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tflags = IPv4\n\tport = ${base + NAMES.indexOf(name)}\n${lines}\n}\n`;
  const internal = (name: 'daytime' | 'echo', id: string): string => svc(name, '\ttype = INTERNAL UNLISTED', id).replace('\ttype = UNLISTED\n', '');
  return [
    `defaults\n{\n\tlog_type = FILE ${logFile}\n\tlog_on_success = PID HOST EXIT DURATION\n\tlog_on_failure = HOST ATTEMPT\n\tinstances = 50\n}\n`,
    svc('ok', '\tuser = root\n\tserver = /bin/false'),
    svc('addr', '\tuser = root\n\tserver = /bin/true\n\tonly_from = 127.0.0.2'),
    internal('daytime', 'daytime'),
    internal('echo', 'echo'),
    svc('relay', `\tuser = root\n\tredirect = 127.0.0.1 ${relayTo}\n\tlog_on_success += TRAFFIC`),
    svc('limited', '\tuser = root\n\tserver = /bin/cat\n\tinstances = 1'),
    svc('killed', '\tuser = root\n\tserver = /bin/sleep\n\tserver_args = 60'),
    svc('banner', `\tuser = root\n\tserver = /bin/echo\n\tserver_args = served\n\tonly_from = 127.0.0.2\n\tbanner = ${files.banner}\n\tbanner_success = ${files.success}\n\tbanner_fail = ${files.fail}`),
    svc('banner-time', `\tuser = root\n\tserver = /bin/echo\n\tserver_args = served\n\taccess_times = ${hh}:00-${hh}:30\n\tbanner = ${files.banner}\n\tbanner_fail = ${files.fail}`),
    svc('userid', '\tuser = root\n\tserver = /bin/true\n\tlog_on_success = PID HOST USERID EXIT'),
    internal('daytime', 'ready').replace(/port = \d+/, `port = ${base + NAMES.indexOf('ready')}`),
  ].join('');
}

/**
 * Connects (from `from`) and collects what arrives until the server closes.
 * With `send`: writes it, and closes once as much came back (xinetd's relay
 * ends at the first end-of-file, so the client must not half-close first).
 */
function collect(port: number, from = '127.0.0.1', send?: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: from });
    let out = '';
    s.on('connect', () => send !== undefined && s.write(send));
    s.on('data', (d) => {
      out += d;
      if (send !== undefined && out.length >= send.length) s.end();
    });
    s.on('close', () => resolve(out));
    s.on('error', () => resolve(out));
    s.setTimeout(10_000, () => s.destroy());
  });
}

function hold(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

const STAMP = /^\d{2}\/\d{1,2}\/\d{1,2}@\d{2}:\d{2}:\d{2}: /;

/** The file's lines for one service id, time stamp checked and removed. */
function lines(file: string, id: string): string[] {
  if (!existsSync(file)) return [];
  const out: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    assert.match(line, STAMP, `xinetd's time stamp on "${line}"`);
    const body = line.replace(STAMP, '');
    if (new RegExp(`^[A-Z]+: ${id}( |$)`).test(body)) out.push(body);
  }
  return out;
}

/** Pids and durations differ between runs: compared by shape. */
const shape = (l: string): string => l.replace(/pid=\d+/, 'pid=N').replace(/duration=\d+/, 'duration=D');

/**
 * xinetd's parent writes START after fork() returns while the child may
 * already have written its FAIL: both orders occur under xinetd. Put them
 * in the parent-first order before comparing.
 */
function canonical(list: string[]): string[] {
  const out = [...list];
  for (let i = 0; i + 1 < out.length; i++) {
    if (out[i]!.startsWith('FAIL: ') && out[i + 1]!.startsWith('START: ') && out[i]!.endsWith(out[i + 1]!.slice(out[i + 1]!.indexOf(' from=')))) {
      [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
      i++;
    }
  }
  return out;
}

describe('connection log lines against the real xinetd (log_type = FILE)', { skip: hasXinetd ? false : 'xinetd is not installed (apt-get install xinetd)' }, () => {
  const dir = tempDir('hearth-xlog-');
  const files = { banner: join(dir.path, 'banner'), fail: join(dir.path, 'fail'), success: join(dir.path, 'success') };
  const logOf = { xinetd: join(dir.path, 'xinetd.log'), hearth: join(dir.path, 'hearth.log') };
  let port: Record<'xinetd' | 'hearth', (n: Name) => number>;
  let xinetd: Awaited<ReturnType<typeof startXinetd>>;
  let ss: SuperServer;
  let target: net.Server;
  let identd: net.Server;
  const identAddr = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  const heard: Record<'xinetd' | 'hearth', Record<string, string>> = { xinetd: {}, hearth: {} };

  before(async () => {
    writeFileSync(files.banner, 'BANNER\n');
    writeFileSync(files.fail, 'GO AWAY\n');
    writeFileSync(files.success, 'WELCOME\n');
    target = net.createServer((s) => s.pipe(s)).listen(0, '127.0.0.1');
    await new Promise((r) => target.once('listening', r));
    const relayTo = (target.address() as net.AddressInfo).port;
    // An identd on the client's address (RFC 1413), as both super-servers ask it.
    identd = net.createServer((s) => {
      s.once('data', (d) => {
        const [remote, local] = d.toString().trim().split(/\s*,\s*/);
        s.end(`${remote} , ${local} : USERID : UNIX : probe-user\r\n`);
      });
    }).listen(113, identAddr);
    await new Promise((r) => identd.once('listening', r));
    const base = await freePortBlock(2 * NAMES.length);
    const hearthBase = base + NAMES.length;
    port = { xinetd: (n) => base + NAMES.indexOf(n), hearth: (n) => hearthBase + NAMES.indexOf(n) };
    xinetd = await startXinetd(config(base, logOf.xinetd, files, relayTo), [port.xinetd('ready')]);
    ss = new SuperServer();
    const parsed = await parseXinetdText(config(hearthBase, logOf.hearth, files, relayTo), 'logs.conf', parseEtcServices(''));
    assert.deepEqual(parsed.errors.map(String), []);
    assert.deepEqual((await ss.apply(parsed.services)).errors, []);

    for (const side of ['xinetd', 'hearth'] as const) {
      const p = port[side];
      const log = logOf[side];
      const h = heard[side];
      await collect(p('ok'));
      await collect(p('addr'));
      await eventually(() => lines(log, 'addr').length === 3, 5000, `${side}: the lines of addr`);
      await collect(p('daytime'));
      h.echo = await collect(p('echo'), '127.0.0.1', 'ping\n');
      h.relay = await collect(p('relay'), '127.0.0.1', 'relayed\n');
      const first = await hold(p('limited'));
      await eventually(() => lines(log, 'limited').length === 1, 5000, `${side}: START of limited`);
      h.limited = await collect(p('limited'));
      await eventually(() => lines(log, 'limited').length === 2, 5000, `${side}: FAIL of limited`);
      first.end();
      const sleeper = await hold(p('killed'));
      const start = await eventually(() => lines(log, 'killed')[0], 5000, `${side}: START of killed`);
      const pid = Number(/pid=(\d+)/.exec(start)![1]);
      // Signalled once it is sleep itself: xinetd's child between fork and exec does not die of it.
      await eventually(() => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep', 5000, `${side}: the server to be sleep`);
      process.kill(pid, 'SIGTERM');
      await eventually(() => lines(log, 'killed').length === 2, 5000, `${side}: EXIT of killed`);
      sleeper.destroy();
      h.bannerRefused = await collect(p('banner'));
      // One connection's lines at a time: xinetd's child may write its EXIT after the next START.
      await eventually(() => lines(log, 'banner').length === 3, 5000, `${side}: the lines of the refused banner connection`);
      h.bannerServed = await collect(p('banner'), '127.0.0.2');
      h.bannerTime = await collect(p('banner-time'));
      await collect(p('userid'), identAddr);
      // Every server started has ended: its EXIT line is written.
      const exits: Array<[Name, number]> = [['ok', 2], ['addr', 3], ['echo', 2], ['relay', 3], ['limited', 3], ['banner', 5], ['userid', 3]];
      for (const [name, count] of exits) await eventually(() => lines(log, name).length >= count, 5000, `${side}: ${count} lines of ${name}`);
    }
  });

  after(async () => {
    await xinetd?.stop();
    await ss?.stop({ killServers: true });
    target?.close();
    identd?.close();
    dir.cleanup();
  });

  test('every service logs the same lines in the same order, field for field', () => {
    for (const name of NAMES) {
      if (name === 'ready') continue;
      assert.deepEqual(canonical(lines(logOf.hearth, name).map(shape)), canonical(lines(logOf.xinetd, name).map(shape)), name);
    }
  });

  test('the lines are xinetd.log(5)\'s: a server, a signal, a refusal in the child, a limit, a relay, an identd answer', () => {
    const x = (name: Name): string[] => canonical(lines(logOf.xinetd, name).map(shape));
    assert.deepEqual(x('ok'), ['START: ok pid=N from=127.0.0.1', 'EXIT: ok status=1 pid=N duration=D(sec)']);
    assert.deepEqual(x('killed'), ['START: killed pid=N from=127.0.0.1', 'EXIT: killed signal=15 pid=N duration=D(sec)']);
    assert.deepEqual(x('addr'), ['START: addr pid=N from=127.0.0.1', 'FAIL: addr address from=127.0.0.1', 'EXIT: addr status=0 pid=N duration=D(sec)']);
    assert.deepEqual(x('daytime'), ['START: daytime pid=N from=127.0.0.1']);
    assert.deepEqual(x('limited'), ['START: limited pid=N from=127.0.0.1', 'FAIL: limited service_limit from=127.0.0.1', 'EXIT: limited status=0 pid=N duration=D(sec)']);
    assert.deepEqual(x('relay'), ['START: relay pid=N from=127.0.0.1', 'TRAFFIC: relay in=8(bytes) out=8(bytes)', 'EXIT: relay status=0 pid=N duration=D(sec)']);
    assert.deepEqual(x('userid'), [`START: userid pid=N from=${identAddr}`, 'USERID: userid UNIX : probe-user', 'EXIT: userid status=0 pid=N']);
    assert.deepEqual(x('banner-time'), ['FAIL: banner-time time from=127.0.0.1']);
  });

  test('pid=0 where hearth answers in-process what xinetd forks for (echo, the relay, an address refusal)', () => {
    const pids = (side: 'xinetd' | 'hearth', name: Name): string[] => lines(logOf[side], name).flatMap((l) => /pid=(\d+)/.exec(l)?.[1] ?? []);
    for (const name of ['echo', 'relay', 'addr'] as const) {
      assert.ok(pids('xinetd', name).every((p) => p !== '0'), name);
      assert.ok(pids('hearth', name).every((p) => p === '0'), name);
    }
    assert.deepEqual(pids('xinetd', 'daytime'), ['0'], 'daytime is answered without a fork by xinetd too');
    assert.ok(pids('hearth', 'ok').every((p) => p !== '0'));
  });

  test('a refused client gets the banner, then banner_fail; an admitted one the banner, banner_success, then its server', () => {
    for (const side of ['xinetd', 'hearth'] as const) {
      assert.equal(heard[side].bannerRefused, 'BANNER\nGO AWAY\n', `${side}: refused in the child (address)`);
      assert.equal(heard[side].bannerTime, 'BANNER\nGO AWAY\n', `${side}: refused before the fork (access_times)`);
      assert.equal(heard[side].bannerServed, 'BANNER\nWELCOME\nserved\n', side);
      assert.equal(heard[side].echo, 'ping\n');
      assert.equal(heard[side].relay, 'relayed\n');
      assert.equal(heard[side].limited, '', `${side}: refused for instances, no banner configured`);
    }
  });
});
