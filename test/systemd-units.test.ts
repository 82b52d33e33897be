/**
 * .socket, .timer and .target units, [Unit] dependencies across kinds, and
 * enablement through .wants links, under hearthd.
 */
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { startDaemon, writeTree, type RunningDaemon } from './helpers/daemon.js';
import { eventually, freePort, tempDir } from './helpers/index.js';

const work = tempDir('hearth-sd-units-');
const W = work.path;

function connectAndRead(port: number, send = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ host: '127.0.0.1', port });
    c.setTimeout(10_000, () => c.destroy(new Error(`no answer on port ${port}`)));
    let got = '';
    c.on('data', (d) => (got += d));
    c.on('error', reject);
    c.on('end', () => resolve(got));
    c.on('connect', () => (send ? c.end(send) : undefined));
  });
}

describe('sockets, timers, targets and dependencies', () => {
  let d: RunningDaemon;
  let tcp: number;
  let perConn: number;
  const dgram = join(W, 'log.sock');
  before(async () => {
    writeTree(join(W, 'vendor'), {
      'installable.service': `[Service]\nExecStart=/bin/sleep 1000\n[Install]\nWantedBy=multi-user.target\nAlias=inst-alias.service\n`,
      'member.service': `[Service]\nExecStart=/bin/sleep 1000\n`,
    });
    tcp = await freePort();
    perConn = await freePort();
    // A service that reports the sockets it was given (LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID) on each connection.
    // "$$" is a "$" in a unit file: systemd (and hearth) would expand "${…}" as a variable.
    const reporter = `import net from 'node:net'; const e = process.env; const s = net.createServer((c) => c.end('fds=' + e.LISTEN_FDS + ' names=' + e.LISTEN_FDNAMES + ' pid=' + (e.LISTEN_PID === String(process.pid)) + '\\\\n')); s.listen({ fd: 3 });`;
    d = await startDaemon({
      'systemd/echoer.socket': `[Socket]\nListenStream=127.0.0.1:${tcp}\nFileDescriptorName=web\n`,
      'systemd/echoer.service': `[Service]\nExecStart=${process.execPath} --input-type=module -e "${reporter.replace(/"/g, '\\"')}"\n`,
      'systemd/logger.socket': `[Socket]\nListenDatagram=${dgram}\nSocketMode=0620\n`,
      'systemd/logger.service': `[Unit]\nRequires=logger.socket\n[Service]\nExecStart=/bin/sh -c 'exec cat <&3'\nStandardOutput=file:${W}/dgram.out\n`,
      'systemd/perconn.socket': `[Socket]\nListenStream=127.0.0.1:${perConn}\nAccept=yes\nMaxConnectionsPerSource=1\n`,
      'systemd/perconn@.service': `[Service]\nExecStart=/bin/sh -c 'echo instance=%i; read line; echo got=$$line'\nStandardInput=socket\n`,
      'systemd/tick.timer': `[Timer]\nOnActiveSec=300ms\nUnit=ticked.service\n`,
      'systemd/ticked.service': `[Service]\nType=oneshot\nExecStart=/bin/sh -c 'date +%%s%%N >> ${W}/ticks'\n`,
      'systemd/app.target': `[Unit]\nDescription=The app\nWants=member.service\n`,

      'systemd/after-script.service': `[Unit]\nRequires=early.service\nAfter=early.service\n[Service]\nExecStart=/bin/sh -c 'cat ${W}/early.mark > ${W}/order; exec sleep 1000'\n`,
      'init.d/early': `#!/bin/sh\n### BEGIN INIT INFO\n# Provides: early\n# Default-Start: 2 3 4 5\n# Default-Stop: 0 1 6\n### END INIT INFO\ncase "$1" in start) sleep 0.3; echo early-ran > ${W}/early.mark;; stop) rm -f ${W}/early.mark;; status) test -e ${W}/early.mark;; esac\n`,
      // Units a package would install: in a unit path of their own, so links in CONFIG_DIR/systemd may point at them.
      'hearth.toml': `[systemd]\nunit_paths = ["${W}/vendor"]\n`,

      'systemd/parent.service': `[Service]\nExecStart=/bin/sleep 1000\n`,
      'systemd/child.service': `[Unit]\nPartOf=parent.service\nBindsTo=parent.service\nAfter=parent.service\n[Service]\nExecStart=/bin/sleep 1000\n`,
    }, [], { executable: ["init.d/early"] });
  });
  after(async () => {
    await d?.stop();
    work.cleanup();
  });
  const sc = (...a: string[]) => d.cli('systemctl', ...a);

  test('Accept=no: the first connection starts the service, which gets the socket with LISTEN_FDS, LISTEN_FDNAMES and its own LISTEN_PID', async () => {
    assert.equal(sc('start', 'echoer.socket').code, 0);
    assert.equal(sc('is-active', 'echoer.service').stdout.trim(), 'inactive');
    assert.equal(await connectAndRead(tcp), 'fds=1 names=web pid=true\n');
    assert.equal(sc('is-active', 'echoer.service').stdout.trim(), 'active');
    assert.match(sc('list-sockets').stdout, new RegExp(`127\\.0\\.0\\.1:${tcp}\\s+echoer\\.socket\\s+echoer\\.service`));
  });

  test('a unix datagram socket with SocketMode= (as syslog.socket) is held by hearth and handed to its service', async () => {
    assert.equal(sc('start', 'logger.service').code, 0, 'Requires=logger.socket pulls the socket in');
    assert.equal(lstatSync(dgram).mode & 0o777, 0o620);
    const r = spawnSync('logger', ['--socket-errors=on', '-u', dgram, 'hello through the socket'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    await eventually(() => existsSync(join(W, 'dgram.out')) && /hello through the socket/.test(readFileSync(join(W, 'dgram.out'), 'utf8')), 10_000, 'the datagram');
  });

  test('Accept=yes: each connection gets its own NAME@N-LOCAL-REMOTE.service with the connection on stdin; MaxConnectionsPerSource= refuses the second', async () => {
    assert.equal(sc('start', 'perconn.socket').code, 0);
    const first = net.connect({ host: '127.0.0.1', port: perConn });
    let got = '';
    first.on('data', (b) => (got += b));
    await eventually(() => got.includes('instance='), 5000, 'the instance to answer');
    assert.match(got, new RegExp(`instance=0-127\\.0\\.0\\.1:${perConn}-127\\.0\\.0\\.1:\\d+`));
    assert.match(sc('list-units', 'perconn@*').stdout, /perconn@0-127\.0\.0\.1/);
    // The same source again while the first is open: refused.
    assert.equal(await connectAndRead(perConn), '');
    first.write('bye\n');
    await eventually(() => got.includes('got=bye'), 5000, 'the instance to read stdin');
    first.destroy();
    await eventually(() => !/perconn@0/.test(sc('list-units', '--all').stdout), 5000, 'the instance to go');
  });

  test('a timer with OnActiveSec= starts its unit once; list-timers shows what it activates', async () => {
    assert.equal(sc('start', 'tick.timer').code, 0);
    assert.match(sc('list-timers', '--all').stdout, /tick\.timer\s+ticked\.service/);
    await eventually(() => existsSync(join(W, 'ticks')), 5000, 'the tick');
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(readFileSync(join(W, 'ticks'), 'utf8').trim().split('\n').length, 1);
  });

  test('a target starts what it wants; a unit ordered after an init script starts after it', async () => {
    assert.equal(sc('start', 'app.target').code, 0);
    assert.equal(sc('is-active', 'member.service').stdout.trim(), 'active');
    assert.equal(sc('start', 'after-script').code, 0);
    // The shell creates the file at its redirect, before cat has written: wait for the unit to be running,
    // by which time its exec has replaced the shell and cat is done.
    await eventually(() => sc('is-active', 'after-script').stdout.trim() === 'active' && existsSync(join(W, 'order')), 5000, 'the unit to run');
    await eventually(() => readFileSync(join(W, 'order'), 'utf8') !== '' || undefined, 5000, 'cat to have written');
    assert.equal(readFileSync(join(W, 'order'), 'utf8').trim(), 'early-ran');
  });

  test('PartOf= and BindsTo=: stopping the parent stops the child; restarting it restarts the child', async () => {
    assert.equal(sc('start', 'child').code, 0);
    assert.equal(sc('is-active', 'parent').stdout.trim(), 'active');
    const before = sc('show', 'child', '-p', 'MainPID', '--value').stdout.trim();
    assert.equal(sc('restart', 'parent').code, 0);
    await eventually(() => sc('show', 'child', '-p', 'MainPID', '--value').stdout.trim() !== before, 5000, 'the child to restart');
    assert.equal(sc('stop', 'parent').code, 0);
    assert.equal(sc('is-active', 'child').stdout.trim(), 'inactive');
  });

  test('enable and disable rewrite the .wants link and the alias; chkconfig --list follows; mask refuses a start', () => {
    const wants = join(d.configDir, 'systemd/multi-user.target.wants/installable.service');
    const e = sc('enable', 'installable');
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stderr, /Created symlink .*multi-user\.target\.wants\/installable\.service/);
    assert.equal(readlinkSync(wants), join(W, 'vendor/installable.service'));
    assert.ok(existsSync(join(d.configDir, 'systemd/inst-alias.service')));
    assert.equal(sc('is-enabled', 'installable').stdout.trim(), 'enabled');
    assert.match(d.cli('chkconfig', '--list', 'installable.service').stdout, /2:on\s+3:on\s+4:on\s+5:on/);
    assert.equal(sc('disable', 'installable').code, 0);
    assert.equal(existsSync(wants), false);
    assert.equal(sc('is-enabled', 'installable').stdout.trim(), 'disabled');
    assert.equal(sc('mask', 'member').code, 0);
    const m = sc('start', 'member');
    assert.equal(m.code, 1);
    assert.match(m.stderr, /masked/);
    assert.equal(sc('unmask', 'member').code, 0);
    assert.equal(sc('start', 'member').code, 0);
  });
});
