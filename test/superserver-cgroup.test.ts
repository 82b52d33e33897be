/**
 * The servers of inetd-style services are inside their service's cgroup
 * (NAME.inetd) from their first instruction, whichever way they start (the
 * acceptor helper for plain wait = no services, the spawner helper for the
 * rest, Node's spawn through hearth-cgexec for wait = yes), and stopping the
 * service (super-server off, disable, reload without it) stops everything
 * they started. With process-group tracking servers start as before.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, freePortBlock, pidsWith, tempDir, uniqueSleep, exchange } from './helpers/index.js';

const cgroupsHere = existsSync('/sys/fs/cgroup/unified/cgroup.procs') || existsSync('/sys/fs/cgroup/cgroup.procs');
const LOGGER = ['/usr/bin/logger', '/bin/logger'].find((p) => existsSync(p));

/** The cgroup v2 line ("0::/…") of what a server printed. */
function v2Line(text: string): string | undefined {
  return text.split('\n').find((l) => l.startsWith('0::'));
}

/** A server printing its own cgroups: the shell itself opens /proc/self/cgroup, before it starts anything. */
const PRINT_OWN_CGROUP = '#!/bin/sh\nwhile read -r l; do echo "$l"; done < /proc/self/cgroup\n';

function xinetd(name: string, port: number, server: string, extra = ''): string {
  return `service ${name}\n{\n\ttype = UNLISTED\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tport = ${port}\n\tuser = root\n\tserver = ${server}\n${extra}}\n`;
}

describe('inetd-style servers in their service\'s cgroup', { skip: cgroupsHere ? false : 'this host has no cgroup v2 hierarchy' }, () => {
  let d: RunningDaemon;
  let base = 0;
  const dir = tempDir('hearth-inetdcg-');
  const t = { forked: uniqueSleep(), waiter: uniqueSleep(), gone: uniqueSleep(), daemonized: uniqueSleep() };
  const sock = join(dir.path, 'syslog.sock');
  const token = `inetd-cgroup-${process.pid}-${Date.now()}`;

  before(async () => {
    base = await freePortBlock(6);
    const write = (name: string, text: string) => {
      writeFileSync(join(dir.path, name), text, { mode: 0o755 });
      return join(dir.path, name);
    };
    const printer = write('print-cgroup.sh', PRINT_OWN_CGROUP);
    writeFileSync(join(dir.path, 'banner'), 'banner\n');
    // Exits at once; its child starts a new session and lives on.
    const forker = write('forker.sh', `#!/bin/sh\n( setsid sleep ${t.forked} </dev/null >/dev/null 2>&1 & )\necho forked\n`);
    const goner = write('goner.sh', `#!/bin/sh\n( setsid sleep ${t.gone} </dev/null >/dev/null 2>&1 & )\necho forked\n`);
    // wait = yes: the server takes the listening socket; it writes its cgroup down and stays.
    const waiter = write('waiter.sh', `#!/bin/sh\nwhile read -r l; do echo "$l"; done < /proc/self/cgroup > ${dir.path}/waiter.cgroup\nexec sleep ${t.waiter}\n`);
    // A daemon 20 forks below the server logs: further than the 16 ancestors hearthd follows,
    // so nothing but its cgroup says whose it is.
    const logging = write('logging.sh',
      `#!/bin/sh\nn=\${1:-20}\nif [ "$n" -gt 0 ]; then ( "$0" $((n - 1)) </dev/null >/dev/null 2>&1 & ); exit 0; fi\n${LOGGER ?? 'true'} -u ${sock} -t not-a-service ${token}\nexec sleep ${t.daemonized}\n`);
    d = await startDaemon({
      'hearth.toml': `[syslog]\nsocket = "${sock}"\n`,
      'xinetd.d/plain': xinetd('plain', base, printer),
      'xinetd.d/bannered': xinetd('bannered', base + 1, printer, `\tbanner = ${dir.path}/banner\n`),
      'xinetd.d/forker': xinetd('forker', base + 2, forker),
      'xinetd.d/waiter': xinetd('waiter', base + 3, waiter).replace('wait = no', 'wait = yes'),
      'xinetd.d/goner': xinetd('goner', base + 4, goner),
      'xinetd.d/logging': xinetd('logging', base + 5, logging),
    });
  });
  after(async () => {
    await d?.stop();
    for (const p of [...pidsWith(t.forked), ...pidsWith(t.waiter), ...pidsWith(t.gone), ...pidsWith(t.daemonized)]) process.kill(p, 'SIGKILL');
    dir.cleanup();
  });

  const detail = (name: string) => JSON.parse(d.cli('status', name, '--json').stdout) as { tasks?: number; cgroup?: string; memoryBytes?: number };

  test('a server started by the acceptor helper reads its own cgroup as its service\'s', async () => {
    const line = v2Line(await eventually(() => exchange(base), 10_000, 'the plain server'));
    assert.match(line ?? '', /\/hearth-[0-9a-f]+\/plain\.inetd$/, `got ${line}`);
  });

  test('a server started by the spawner helper (a banner goes first) is in its service\'s cgroup too', async () => {
    const text = await eventually(() => exchange(base + 1), 10_000, 'the bannered server');
    assert.match(text, /^banner\n/);
    assert.match(v2Line(text) ?? '', /\/hearth-[0-9a-f]+\/bannered\.inetd$/, text);
  });

  test('on hybrid hosts the server joins no v1 hierarchy: its service has no limits, and each join is a move per connection', async () => {
    // hearthd names the v1 hierarchies the host has: "process tracking: cgroup v2 at … (with cgroup v1 memory, pids)".
    await eventually(() => /process tracking: /.test(d.output()), 5000, 'the tracking line');
    const v1 = /with cgroup v1 ([a-z, ]+)\)/.exec(d.output())?.[1]?.split(', ') ?? [];
    const lines = (await exchange(base)).split('\n');
    for (const controller of v1) {
      const line = lines.find((l) => l.split(':')[1]?.split(',').includes(controller));
      assert.doesNotMatch(line ?? '', /\.inetd$/, `${controller}: ${line}`);
    }
  });

  test('a wait = yes server, started through hearth-cgexec, is in its service\'s cgroup', async () => {
    const s = connect({ host: '127.0.0.1', port: base + 3 });
    s.on('error', () => undefined);
    const file = join(dir.path, 'waiter.cgroup');
    const text = await eventually(() => (existsSync(file) && readFileSync(file, 'utf8').includes('0::') ? readFileSync(file, 'utf8') : undefined), 10_000, 'the wait = yes server');
    assert.match(v2Line(text) ?? '', /\/hearth-[0-9a-f]+\/waiter\.inetd$/, text);
    s.destroy();
  });

  test('hearth status shows the tasks and the cgroup of every process the servers left', async () => {
    assert.equal((await exchange(base + 2)).trim(), 'forked');
    await eventually(() => pidsWith(t.forked).length === 1, 10_000, 'the setsid child');
    const s = detail('forker');
    assert.equal(s.tasks, 1, 'the server is gone; its setsid child is counted');
    assert.ok((s.memoryBytes ?? 0) > 0, `memory: ${s.memoryBytes}`);
    assert.match(s.cgroup ?? '', /\/forker\.inetd$/);
  });

  test('a message from a daemon far below a server is filed under the service by its cgroup', { skip: LOGGER ? false : 'util-linux logger is not installed' }, async () => {
    await exchange(base + 5);
    const count = (name: string) => d.cli('logs', name, '--grep', token, '-n', '100', '--json').stdout.split('\n').filter(Boolean).length;
    await eventually(() => count('logging') + count('syslog') >= 1, 15_000, 'the message');
    assert.equal(count('logging'), 1, d.cli('logs', 'syslog', '-n', '5').stdout);
  });

  test('a reload without the service stops its servers\' setsid children and removes its cgroup', async () => {
    assert.equal((await exchange(base + 4)).trim(), 'forked');
    await eventually(() => pidsWith(t.gone).length === 1, 10_000, 'the setsid child');
    const cgroup = detail('goner').cgroup!;
    assert.ok(existsSync(cgroup));
    rmSync(join(d.configDir, 'xinetd.d', 'goner'));
    d.cli('reload-config');
    assert.deepEqual(pidsWith(t.gone), [], 'the reload returned with the child still running');
    await eventually(() => !existsSync(cgroup), 5000, 'the cgroup to be removed');
  });

  test('disabling a service stops the wait = yes server it runs', async () => {
    assert.equal(pidsWith(t.waiter).length, 1);
    const r = d.cli('disable', 'waiter');
    assert.equal(r.code, 0, r.stderr);
    await eventually(() => pidsWith(t.waiter).length === 0, 10_000, 'the wait = yes server to be stopped');
  });

  test('stopping the super-server stops every process of every service, setsid children included', async () => {
    assert.equal(pidsWith(t.forked).length, 1);
    const r = d.cli('stop', 'xinetd');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(pidsWith(t.forked), [], 'the stop returned with the setsid child still running');
    assert.deepEqual(pidsWith(t.daemonized), []);
    assert.equal(d.cli('start', 'xinetd').code, 0);
    assert.match(v2Line(await eventually(() => exchange(base), 10_000, 'the plain server again')) ?? '', /\/plain\.inetd$/);
  });
});

describe('inetd-style servers with process-group tracking (no cgroups)', () => {
  let d: RunningDaemon;
  let base = 0;
  const dir = tempDir('hearth-inetdpg-');
  const t = { held: uniqueSleep() };

  before(async () => {
    base = await freePortBlock(2);
    writeFileSync(join(dir.path, 'print.sh'), PRINT_OWN_CGROUP, { mode: 0o755 });
    // Holds its connection: the server itself runs until it is stopped.
    writeFileSync(join(dir.path, 'hold.sh'), `#!/bin/sh\necho held\nexec sleep ${t.held}\n`, { mode: 0o755 });
    d = await startDaemon({
      'hearth.toml': '[processes]\ntracking = "process-group"\n',
      'xinetd.d/plain': xinetd('plain', base, join(dir.path, 'print.sh')),
      'xinetd.d/hold': xinetd('hold', base + 1, join(dir.path, 'hold.sh')),
    });
  });
  after(async () => {
    await d?.stop();
    for (const p of pidsWith(t.held)) process.kill(p, 'SIGKILL');
    dir.cleanup();
  });

  test('servers start as before, in no cgroup of hearth\'s', async () => {
    const text = await eventually(() => exchange(base), 10_000, 'the server');
    assert.ok(text.length > 0);
    assert.doesNotMatch(text, /\.inetd$/m);
    assert.equal((JSON.parse(d.cli('status', 'plain', '--json').stdout) as { cgroup?: string }).cgroup, undefined);
  });

  test('stopping the super-server stops the servers hearth started', async () => {
    const s = connect({ host: '127.0.0.1', port: base + 1 });
    s.on('error', () => undefined);
    await eventually(() => pidsWith(t.held).length === 1, 10_000, 'the holding server');
    assert.equal(d.cli('stop', 'xinetd').code, 0);
    assert.deepEqual(pidsWith(t.held), []);
    s.destroy();
  });
});
