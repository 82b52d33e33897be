import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeHelperPath } from '../src/native/index.js';
import { supervisorHarness } from './helpers/supervisor-harness.js';
import { FIXTURE_BIN, makeDef, waitForEvent, eventually, pidAlive, freePort } from './helpers/index.js';

const harness = () => supervisorHarness();

describe('supervisor', () => {
  const h = harness();
  after(() => h.cleanup());

  test('a crashed service is restarted at once with a new pid', async () => {
    await h.sup.define(makeDef('crasher', { exec: ['/bin/sleep', '1000'], restart: 'always' }));
    await h.sup.start('crasher');
    const first = h.sup.get('crasher').pid!;
    const respawn = waitForEvent(h.sub, (e) => e.type === 'service.spawn' && e.name === 'crasher', 5000, 'respawn');
    process.kill(first, 'SIGKILL');
    const e = await respawn;
    assert.equal(e.type, 'service.spawn');
    assert.notEqual(h.sup.get('crasher').pid, first);
    assert.equal(h.sup.get('crasher').snapshot().restarts, 1);
    assert.equal(h.sup.get('crasher').snapshot().lastExit?.signal, 'SIGKILL');
  });

  test('a crash loop backs off, goes to failed after the burst, and is retried after the cool-down', async () => {
    await h.sup.define(
      makeDef('looper', {
        exec: [join(FIXTURE_BIN, 'crash-soon'), '3', '0'],
        restart: 'always',
        backoff: { initialDelayMs: 30, maxDelayMs: 100, multiplier: 2, stableAfterMs: 10_000, burst: 4, burstIntervalMs: 10_000, coolDownMs: 600 },
      }),
    );
    const states: string[] = [];
    const off = h.sub((e) => e.type === 'service.state' && e.name === 'looper' && states.push(e.to));
    await h.sup.start('looper').catch(() => undefined);
    await waitForEvent(h.sub, (e) => e.type === 'service.state' && e.name === 'looper' && e.to === 'failed', 5000, 'failed');
    assert.ok(states.includes('backoff'), `saw backoff in ${states.join(',')}`);
    assert.match(h.sup.get('looper').snapshot().detail ?? '', /retrying in 600ms/);
    // After the cool-down it is tried again by itself.
    await waitForEvent(h.sub, (e) => e.type === 'service.spawn' && e.name === 'looper', 3000, 'retry after cool-down');
    off();
    await h.sup.stop('looper');
    assert.equal(h.sup.get('looper').state, 'stopped');
  });

  test('stop escalates to SIGKILL and no process of the group survives', async () => {
    const pidFile = join(h.dir, 'grandchildren.pids');
    await h.sup.define(makeDef('stubborn', { exec: [join(FIXTURE_BIN, 'ignore-term'), pidFile], stopTimeoutMs: 300 }));
    await h.sup.start('stubborn');
    const main = h.sup.get('stubborn').pid!;
    const kids = await eventually(() => {
      const pids = readFileSync(pidFile, 'utf8').trim().split('\n').filter(Boolean).map(Number);
      return pids.length === 2 ? pids : undefined;
    }, 5000, 'grandchildren');
    const t0 = Date.now();
    await h.sup.stop('stubborn');
    assert.ok(Date.now() - t0 >= 250, 'waited for the stop timeout before SIGKILL');
    for (const pid of [main, ...kids]) assert.equal(pidAlive(pid), false, `pid ${pid} survived`);
    assert.equal(h.sup.get('stubborn').state, 'stopped');
  });

  test('a forking daemon is followed through its pidfile', async () => {
    const pidFile = join(h.dir, 'forker.pid');
    await h.sup.define(makeDef('forker', { type: 'forking', pidFile, exec: [join(FIXTURE_BIN, 'forking-daemon'), pidFile] }));
    await h.sup.start('forker');
    const pid = h.sup.get('forker').pid!;
    assert.equal(pid, Number(readFileSync(pidFile, 'utf8').trim()));
    assert.equal(h.sup.get('forker').state, 'running');
    await h.sup.stop('forker');
    assert.equal(pidAlive(pid), false);
  });

  test('a forking daemon that dies is noticed and restarted', async () => {
    const pidFile = join(h.dir, 'forker2.pid');
    await h.sup.define(
      makeDef('forker2', { type: 'forking', pidFile, restart: 'always', exec: [join(FIXTURE_BIN, 'forking-daemon'), pidFile] }),
    );
    await h.sup.start('forker2');
    const pid = h.sup.get('forker2').pid!;
    process.kill(pid, 'SIGKILL');
    await eventually(() => h.sup.get('forker2').state === 'running' && h.sup.get('forker2').pid !== pid, 5000, 'new daemon');
    await h.sup.stop('forker2');
  });

  test('tcp readiness waits until the port accepts', async () => {
    const port = await freePort();
    await h.sup.define(
      makeDef('tcpsvc', {
        exec: [process.execPath, join(FIXTURE_BIN, 'tcp-ready.mjs')],
        environment: { PORT: String(port), DELAY_MS: '300' },
        ready: { kind: 'tcp', host: '127.0.0.1', port },
      }),
    );
    const t0 = Date.now();
    await h.sup.start('tcpsvc');
    assert.ok(Date.now() - t0 >= 250, 'start() waited for the listener');
    assert.equal(h.sup.get('tcpsvc').state, 'running');
    await h.sup.stop('tcpsvc');
  });

  test('log readiness waits for a matching line', async () => {
    await h.sup.define(
      makeDef('logready', {
        exec: ['/bin/sh', '-c', 'sleep 0.2; echo "server listening now"; exec sleep 1000'],
        ready: { kind: 'log', pattern: /listening/ },
      }),
    );
    await h.sup.start('logready');
    assert.equal(h.sup.get('logready').state, 'running');
    await h.sup.stop('logready');
  });

  test('notify readiness waits for READY=1 and shows STATUS', async (t) => {
    const notify = nativeHelperPath('hearth-notify');
    if (!notify || !nativeHelperPath('hearth-dgram')) return t.skip('native helpers not built (needs a C compiler)');
    await h.sup.open();
    await h.sup.define(
      makeDef('notifier', {
        exec: [join(FIXTURE_BIN, 'notify-ready'), '0.3'],
        environment: { HEARTH_NOTIFY: notify },
        ready: { kind: 'notify' },
      }),
    );
    const t0 = Date.now();
    await h.sup.start('notifier');
    assert.ok(Date.now() - t0 >= 250);
    assert.equal(h.sup.get('notifier').state, 'running');
    assert.equal(h.sup.get('notifier').snapshot().detail, 'serving');
    await h.sup.stop('notifier');
  });

  test('a start timeout fails the start and kills the process', async () => {
    await h.sup.define(
      makeDef('neverready', { exec: ['/bin/sleep', '1000'], ready: { kind: 'log', pattern: /never/ }, startTimeoutMs: 300, restart: 'never' }),
    );
    await assert.rejects(h.sup.start('neverready'), /did not become ready within 300ms/);
    await eventually(() => h.sup.get('neverready').state === 'exited', 3000, 'exited');
  });

  test('a missing executable fails with a clear message', async () => {
    await h.sup.define(makeDef('missing', { exec: ['/nonexistent/bin/x'] }));
    await assert.rejects(h.sup.start('missing'), /executable "\/nonexistent\/bin\/x" not found/);
    assert.equal(h.sup.get('missing').state, 'failed');
    await h.sup.stop('missing');
  });

  test('environment, environment_file, umask, nice and rlimits are applied', async () => {
    const envFile = join(h.dir, 'env');
    writeFileSync(envFile, '# comment\nFROM_FILE="from file"\n');
    process.env.SECRET_FROM_PARENT = 'leak';
    await h.sup.define(
      makeDef('ident', {
        exec: [join(FIXTURE_BIN, 'print-identity')],
        environment: { FOO: 'bar' },
        environmentFile: envFile,
        umask: 0o027,
        nice: 5,
        rlimits: { nofile: { soft: 256, hard: 512 } },
        workingDirectory: h.dir,
        ready: { kind: 'log', pattern: /identity-done/ },
      }),
    );
    await h.sup.start('ident');
    delete process.env.SECRET_FROM_PARENT;
    const out = h.sinks.get('ident')!.out;
    assert.match(out, /nofile=256 nofile_hard=512/);
    assert.match(out, /umask=0027/);
    assert.match(out, /nice=5/);
    assert.match(out, new RegExp(`cwd=${h.dir}`));
    assert.match(out, /FOO=bar FROM_FILE=from file/);
    assert.match(out, /SECRET_FROM_PARENT=unset/, 'the daemon environment does not leak into services');
    await h.sup.stop('ident');
  });

  test('user and group are switched keeping supplementary groups', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to switch users');
    await h.sup.define(
      makeDef('asnobody', { exec: [join(FIXTURE_BIN, 'print-identity')], user: 'nobody', ready: { kind: 'log', pattern: /identity-done/ } }),
    );
    await h.sup.start('asnobody');
    const out = h.sinks.get('asnobody')!.out;
    const nobody = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'))!.split(':');
    assert.match(out, new RegExp(`uid=${nobody[2]} gid=${nobody[3]}`));
    await h.sup.stop('asnobody');
  });

  test('reload sends the reload signal to the main process', async () => {
    await h.sup.define(
      makeDef('reloader', {
        exec: ['/bin/sh', '-c', 'trap "echo got-hup" HUP; echo started; while :; do sleep 0.05; done'],
        ready: { kind: 'log', pattern: /started/ },
      }),
    );
    await h.sup.start('reloader');
    h.sup.reload('reloader');
    await eventually(() => h.sinks.get('reloader')!.out.includes('got-hup'), 3000, 'HUP handled');
    await h.sup.stop('reloader');
  });

  test('a changed definition restarts a running service; an unchanged one is left alone', async () => {
    const def = makeDef('changing', { exec: ['/bin/sleep', '1000'] });
    await h.sup.define(def);
    await h.sup.start('changing');
    const pid = h.sup.get('changing').pid;
    assert.equal(await h.sup.define({ ...def }), 'unchanged');
    assert.equal(h.sup.get('changing').pid, pid);
    assert.equal(await h.sup.define({ ...def, exec: ['/bin/sleep', '999'] }), 'changed');
    assert.notEqual(h.sup.get('changing').pid, pid);
    assert.equal(h.sup.get('changing').state, 'running');
    assert.equal(pidAlive(pid!), false);
    await h.sup.remove('changing');
    assert.equal(h.sup.has('changing'), false);
  });
});
