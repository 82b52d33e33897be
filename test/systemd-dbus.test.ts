/**
 * Type=dbus units on a real bus: a private dbus-daemon (session-style config
 * written here, owning allowed to this user) stands in for the system bus,
 * reached by hearthd through DBUS_SYSTEM_BUS_ADDRESS. The services take
 * their names with python3-dbus, when the test says so (a flag file), so
 * "starting until the name is owned" is seen without depending on timing.
 */
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, eventually, tempDir } from './helpers/index.js';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';

const work = tempDir('hearth-sd-dbus-');
const W = work.path;
/** Bus names unique per run: an element may not start with a digit. */
const NS = `org.hearth.test.p${process.pid}`;
const PYTHON = '/usr/bin/python3';

const TAKER = `import dbus, os, sys, time
name, go, release = sys.argv[1], sys.argv[2], sys.argv[3]
while not os.path.exists(go):
    time.sleep(0.05)
bus = dbus.SystemBus()
print('request', name, bus.request_name(name, dbus.bus.NAME_FLAG_DO_NOT_QUEUE), flush=True)
while not os.path.exists(release):
    time.sleep(0.05)
print('release', name, bus.release_name(name), flush=True)
time.sleep(1000)
`;

const BUS_CONFIG = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${W}/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;

function unit(name: string, busName: string, extra = ''): string {
  const go = join(W, `${name}.go`);
  const release = join(W, `${name}.release`);
  return `[Unit]\nDescription=bus test ${name}\n[Service]\nType=dbus\nBusName=${busName}\nEnvironment=DBUS_SYSTEM_BUS_ADDRESS=unix:path=${W}/bus.sock\nExecStart=${PYTHON} ${W}/taker.py ${busName} ${go} ${release}\n${extra}`;
}

const UNITS: Record<string, string> = {
  'systemd/delayed.service': unit('delayed', `${NS}.Delayed`),
  'systemd/released.service': unit('released', `${NS}.Released`),
  'systemd/never.service': `[Service]\nType=dbus\nBusName=${NS}.Never\nTimeoutStartSec=1500ms\nExecStart=/bin/sleep 1000\n`,
  // BusName= alone makes the type dbus, as in systemd.
  'systemd/implied.service': unit('implied', `${NS}.Implied`).replace('Type=dbus\n', ''),
  'systemd/kept.service': unit('kept', `${NS}.Kept`),
  'systemd/nameless.service': `[Service]\nType=dbus\nExecStart=/bin/sleep 1000\n`,
  'systemd/badname.service': `[Service]\nType=dbus\nBusName=not a bus name\nExecStart=/bin/sleep 1000\n`,
};

/** Processes whose command line passes the test. */
function processesWhere(test: (argv: string[]) => boolean): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'))) out.push(Number(pid));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** hearthd's gdbus children watching `name`. */
const watchersOf = (name: string) => processesWhere((argv) => argv.some((a) => a.endsWith('gdbus')) && argv.includes(name));

/** After a failed test: whatever of this run's is still up (the bus, services a crashed hearthd left). */
function killLeftovers(): void {
  for (const pid of processesWhere((argv) => argv.some((a) => a.includes(W)))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** A private bus: dbus-daemon prints its address once it listens. */
async function startBus(): Promise<{ address: string; child: ChildProcess }> {
  writeFileSync(join(W, 'bus.conf'), BUS_CONFIG);
  const child = spawn('dbus-daemon', [`--config-file=${join(W, 'bus.conf')}`, '--print-address', '--nofork'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.resume();
  await eventually(() => {
    if (child.exitCode !== null) throw new Error(`dbus-daemon exited: ${out}`);
    return out.includes('\n');
  }, 20_000, 'dbus-daemon to print its address');
  return { address: out.split('\n')[0]!.trim(), child };
}

/** `hearth systemctl start` in the background, since a Type=dbus start waits for the name. */
function startInBackground(d: RunningDaemon, name: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'hearth'), '--socket', d.socket, 'systemctl', 'start', name], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, out })));
}

describe('Type=dbus units on a bus', () => {
  let bus: { address: string; child: ChildProcess };
  let d: RunningDaemon;
  const state = (name: string) => (JSON.parse(d.cli('status', name, '--json').stdout || '{}') as { state?: string }).state;
  const sc = (...a: string[]) => d.cli('systemctl', ...a);

  before(async () => {
    writeFileSync(join(W, 'taker.py'), TAKER);
    bus = await startBus();
    process.env.DBUS_SYSTEM_BUS_ADDRESS = bus.address;
    d = await startDaemon(UNITS);
  });
  after(async () => {
    await d?.stop();
    bus?.child.kill();
    killLeftovers();
    work.cleanup();
  });

  test('starting until the name is owned, then running; systemctl is-active follows', async () => {
    const started = startInBackground(d, 'delayed.service');
    // The service runs, but nobody owns the name yet: hearth must keep it starting.
    await eventually(() => state('delayed.service') === 'starting', 20_000, 'delayed to be starting');
    assert.equal(sc('is-active', 'delayed.service').stdout.trim(), 'activating');
    assert.notEqual(sc('is-active', 'delayed.service').code, 0);
    writeFileSync(join(W, 'delayed.go'), '');
    const r = await started;
    assert.equal(r.code, 0, r.out);
    assert.equal(state('delayed.service'), 'running');
    const active = sc('is-active', 'delayed.service');
    assert.equal(active.stdout.trim(), 'active');
    assert.equal(active.code, 0);
    assert.equal(sc('stop', 'delayed.service').code, 0);
    assert.equal(sc('is-active', 'delayed.service').code, 3);
  });

  test('a released name ends the run, as systemd stops such a service', async () => {
    writeFileSync(join(W, 'released.go'), '');
    assert.equal(sc('start', 'released.service').code, 0);
    assert.equal(state('released.service'), 'running');
    writeFileSync(join(W, 'released.release'), '');
    await eventually(() => sc('is-active', 'released.service').code === 3, 20_000, 'released to be inactive');
    const said = new RegExp(`bus name ${NS.replace(/\./g, '\\.')}\\.Released was released`);
    await eventually(() => said.test(sc('status', 'released.service').stdout + d.cli('journalctl', '-u', 'released.service', '-o', 'cat').stdout), 20_000, 'the release in the unit\'s journal');
  });

  test('BusName= without Type= is Type=dbus: it waits for the name too', async () => {
    const started = startInBackground(d, 'implied.service');
    await eventually(() => state('implied.service') === 'starting', 20_000, 'implied to be starting');
    writeFileSync(join(W, 'implied.go'), '');
    assert.equal((await started).code, 0);
    assert.equal(sc('is-active', 'implied.service').stdout.trim(), 'active');
    assert.equal(sc('stop', 'implied.service').code, 0);
  });

  test('a service that never takes its name fails at TimeoutStartSec=, naming BusName=', async () => {
    assert.equal(sc('start', 'never.service').code, 1);
    const r = d.cli('start', 'never.service');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, new RegExp(`BusName=${NS.replace(/\./g, '\\.')}\\.Never`));
    await eventually(() => ['failed', 'stopped'].includes(state('never.service') ?? ''), 20_000, 'never to be down');
    assert.notEqual(sc('is-active', 'never.service').code, 0);
  });

  test('kill -9 of hearthd: its watcher goes with it (no gdbus is left behind)', async () => {
    const name = `${NS}.Kept`;
    writeFileSync(join(W, 'kept.go'), '');
    assert.equal(sc('start', 'kept.service').code, 0);
    assert.equal(watchersOf(name).length, 1, 'one watcher while it runs');
    await d.crash();
    await eventually(() => watchersOf(name).length === 0, 20_000, 'the watcher to end with hearthd');
    d = await d.restart();
    // The next hearthd does not adopt systemd units (it reports them orphaned); stopping ends the run.
    d.cli('stop', 'kept.service');
    await eventually(() => sc('is-active', 'kept.service').code === 3, 20_000, 'kept to be stopped');
    assert.equal(watchersOf(name).length, 0);
  });

  test('Type=dbus without BusName= is refused with systemd\'s words; an invalid name is ignored with them too', () => {
    assert.notEqual(sc('start', 'nameless.service').code, 0);
    assert.match(d.cli('start', 'nameless.service').stderr, /nameless\.service failed to load properly: bad-setting/);
    const check = d.cli('check');
    const said = check.stdout + check.stderr;
    assert.match(said, /nameless\.service: Service is of type D-Bus but no D-Bus service name has been specified\. Refusing\./);
    assert.match(said, /badname\.service:3: Invalid bus name, ignoring: not a bus name/);
    assert.match(said, /badname\.service: Service is of type D-Bus but no D-Bus service name has been specified\. Refusing\./);
    assert.notEqual(sc('start', 'badname.service').code, 0);
  });
});

describe('Type=dbus with no bus', () => {
  let d: RunningDaemon;
  const missing = join(W, 'no-bus-here.sock');
  before(async () => {
    process.env.DBUS_SYSTEM_BUS_ADDRESS = `unix:path=${missing}`;
    d = await startDaemon({ 'systemd/lonely.service': `[Service]\nType=dbus\nBusName=${NS}.Lonely\nExecStart=/bin/sleep 1000\n` });
  });
  after(async () => {
    await d?.stop();
    delete process.env.DBUS_SYSTEM_BUS_ADDRESS;
  });

  test('the start is refused, naming the unit, the BusName= and the address tried; nothing runs', () => {
    assert.notEqual(d.cli('systemctl', 'start', 'lonely.service').code, 0);
    const r = d.cli('start', 'lonely.service');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /lonely\.service/);
    assert.match(r.stderr, new RegExp(`BusName=${NS.replace(/\./g, '\\.')}\\.Lonely`));
    assert.ok(r.stderr.includes(missing), r.stderr);
    assert.equal(existsSync(missing), false);
    assert.equal(d.cli('systemctl', 'is-active', 'lonely.service').code, 3);
  });
});
