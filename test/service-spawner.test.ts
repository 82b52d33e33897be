/**
 * Services' main processes start through hearth-spawner: created inside the
 * unit's cgroup v2 (clone3 with CLONE_INTO_CGROUP), not by forking hearthd.
 * These tests run a Supervisor as hearthd wires it (output FIFOs, the host's
 * process tracking, one spawner) and check that nothing a service relies on
 * changed: its environment, limits and output; its exit status and the
 * restart policy; a stop that comes before the helper has answered; the
 * helper dying under running services.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ServerSpawner, nativeHelperPath } from '../src/native/index.js';
import { readProcStat } from '../src/process/index.js';
import { eventually, makeDef, pidAlive, uniqueSleep, waitForEvent } from './helpers/index.js';
import { supervisorHarness } from './helpers/supervisor-harness.js';

const HELPER = nativeHelperPath('hearth-spawner');
const skip = HELPER ? false : 'native/build/hearth-spawner is not built (no C compiler?)';

function harness() {
  const notices: string[] = [];
  const spawner = new ServerSpawner({ onNotice: (_level, message) => notices.push(message) });
  return { ...supervisorHarness({ prefix: 'hearth-spawner-svc-', spawner }), spawner, notices };
}

/** The command name of a process's parent. */
function parentCommand(pid: number): string {
  const ppid = readProcStat(pid)?.ppid;
  return ppid === undefined ? '' : readFileSync(`/proc/${ppid}/comm`, 'utf8').trim();
}

describe('services started through hearth-spawner', { skip }, () => {
  const h = harness();
  after(() => h.cleanup());

  test('the main process is the helper\'s child, in its cgroup before its program runs, with its directory, umask, limits and output', async () => {
    const tag = uniqueSleep();
    // The program reports its own cgroup as its first act: it was there before it ran.
    const script = 'cat /proc/self/cgroup; echo "cwd=$(pwd) umask=$(umask) nofile=$(ulimit -n)"; echo to-stderr >&2; exec sleep ' + tag;
    await h.sup.define(
      makeDef('probe', { exec: ['/bin/sh', '-c', script], workingDirectory: '/usr', umask: 0o027, rlimits: { nofile: { soft: 321, hard: 654 } } }),
    );
    await h.sup.start('probe');
    const pid = h.sup.get('probe').pid!;
    assert.equal(parentCommand(pid), 'hearth-spawner');
    const stat = readProcStat(pid)!;
    assert.equal(stat.pgrp, pid, 'its own process group');
    const sink = await eventually(() => (h.sinks.get('probe')?.err.includes('to-stderr') ? h.sinks.get('probe') : undefined), 5000, 'the output');
    assert.match(sink.out, /cwd=\/usr umask=0027 nofile=321/);
    if (h.tracking.mode === 'cgroup') {
      const where = h.sup.get('probe').cgroup;
      const v2 = /^0::(.*)$/m.exec(sink.out)?.[1];
      assert.ok(v2 !== undefined && where.endsWith(v2), `the program saw ${v2}, the unit is ${where}`);
      // No limits: no v1 hierarchy of a hybrid host is joined (each would be a move).
      assert.doesNotMatch(sink.out, /^\d+:[a-z,]+:.*probe\.service$/m);
    }
    await h.sup.stop('probe');
    assert.equal(pidAlive(pid), false);
  });

  test('the exit status reaches the restart policy: a crash is restarted, with its code recorded', async () => {
    await h.sup.define(makeDef('crasher', { exec: ['/bin/sh', '-c', `sleep 0.2; exit 3`], restart: 'on-failure' }));
    const respawn = waitForEvent(h.sub, (e) => e.type === 'service.spawn' && e.name === 'crasher', 5000, 'the first start');
    await h.sup.start('crasher');
    const first = (await respawn) as { pid: number };
    const again = waitForEvent(h.sub, (e) => e.type === 'service.spawn' && e.name === 'crasher' && e.pid !== first.pid, 5000, 'the restart');
    await again;
    const s = h.sup.get('crasher').snapshot();
    assert.equal(s.lastExit?.code, 3);
    assert.ok(s.restarts >= 1);
    await h.sup.stop('crasher');
  });

  test('ready = "log:…" sees a line the program printed before its pid reached hearthd', async () => {
    // The helper answers after the exec, so a quick program has printed by then.
    await h.sup.define(makeDef('greeter', { exec: ['/bin/sh', '-c', `echo listening; exec sleep ${uniqueSleep()}`], ready: { kind: 'log', pattern: /^listening$/ }, restart: 'never' }));
    await h.sup.start('greeter');
    assert.equal(h.sup.get('greeter').state, 'running');
    await h.sup.stop('greeter');
  });

  test('ready = "notify": READY=1 and STATUS= sent before the pid reached hearthd count', async (t) => {
    const notify = nativeHelperPath('hearth-notify');
    if (!notify || !nativeHelperPath('hearth-dgram')) return t.skip('native helpers not built (needs a C compiler)');
    await h.sup.open();
    await h.sup.define(
      makeDef('early', { exec: ['/bin/sh', '-c', `${notify} --ready --status=serving; exec sleep ${uniqueSleep()}`], ready: { kind: 'notify' }, startTimeoutMs: 3000, restart: 'never' }),
    );
    // The datagram and the helper's answer reach hearthd by different ways, in either order: here
    // the answer (the pid) is held until the datagram has been handled, as a busy helper does.
    const runner = h.sup.get('early');
    let heard = false;
    const handle = runner.handleNotify.bind(runner);
    runner.handleNotify = (payload, pid) => {
      heard = true;
      handle(payload, pid);
    };
    const spawnService = h.spawner.spawnService.bind(h.spawner);
    h.spawner.spawnService = (r) => {
      const server = spawnService(r) as ReturnType<typeof spawnService> & { started(pid: number): void };
      const started = server.started.bind(server);
      server.started = (pid) => void eventually(() => heard, 5000, 'the datagram').then(() => started(pid));
      return server;
    };
    try {
      await h.sup.start('early');
      assert.equal(h.sup.get('early').state, 'running');
      assert.equal(h.sup.get('early').snapshot().detail, 'serving');
    } finally {
      delete (h.spawner as Partial<typeof h.spawner>).spawnService;
      await h.sup.stop('early');
    }
  });

  test('a program that cannot be run fails the start with the reason, and nothing is left', async () => {
    await h.sup.define(makeDef('nodir', { exec: ['/bin/true'], workingDirectory: '/nonexistent-hearth-dir', restart: 'never' }));
    await assert.rejects(h.sup.start('nodir'), /working directory \/nonexistent-hearth-dir/);
    assert.equal(h.sup.get('nodir').state, 'failed');
    assert.equal(h.sup.get('nodir').pid, null);
  });

  test('a stop that comes before the helper answered waits for the pid, then stops the process', async () => {
    const tag = uniqueSleep();
    await h.sup.define(makeDef('quick', { exec: ['/bin/sleep', tag], restart: 'always' }));
    const spawned: number[] = [];
    const off = h.sub((e) => {
      if (e.type === 'service.spawn' && e.name === 'quick') spawned.push(e.pid);
    });
    // Same tick: the request is on its way to the helper, no pid yet.
    const started = h.sup.start('quick').catch(() => undefined);
    await h.sup.stop('quick');
    await started;
    off();
    assert.equal(h.sup.get('quick').state, 'stopped');
    assert.ok(spawned.length <= 1);
    for (const pid of spawned) assert.equal(pidAlive(pid), false, `pid ${pid} outlived the stop`);
    if (h.tracking.mode === 'cgroup') assert.deepEqual(h.tracking.unit('service', 'quick').pids([]), []);
  });

  test('the helper killed under a running service: the service keeps running, its end is still seen, and the next start uses a new helper', async () => {
    const tag = uniqueSleep();
    await h.sup.define(makeDef('survivor', { exec: ['/bin/sleep', tag], restart: 'always' }));
    await h.sup.start('survivor');
    const pid = h.sup.get('survivor').pid!;
    const helper = h.spawner.helperPid!;
    process.kill(helper, 'SIGKILL');
    await eventually(() => h.notices.some((n) => /killed by SIGKILL; started again/.test(n)), 5000, 'the notice');
    assert.ok(pidAlive(pid), 'the service outlived its helper');
    assert.equal(h.sup.get('survivor').state, 'running');
    // Its exit status is lost with the helper; its end is found through /proc and the policy restarts it.
    const again = waitForEvent(h.sub, (e) => e.type === 'service.spawn' && e.name === 'survivor' && e.pid !== pid, 5000, 'the restart');
    process.kill(pid, 'SIGKILL');
    const next = (await again) as { pid: number };
    assert.notEqual(h.spawner.helperPid, helper);
    assert.equal(parentCommand(next.pid), 'hearth-spawner');
    await h.sup.stop('survivor');
  });
});

describe('services without hearth-spawner', () => {
  test('with the helper unavailable, the main process starts with Node\'s spawn (hearthd\'s own child)', async () => {
    const h = supervisorHarness({ prefix: 'hearth-spawner-off-', spawner: new ServerSpawner({ helperPath: null }) });
    try {
      await h.sup.define(makeDef('plain', { exec: ['/bin/sleep', uniqueSleep()] }));
      await h.sup.start('plain');
      assert.equal(readProcStat(h.sup.get('plain').pid!)?.ppid, process.pid);
    } finally {
      await h.cleanup();
    }
  });
});
