/**
 * systemd .service units under hearthd, written to hit each part of
 * [Service] the runtime promises: the types and their readiness, the Exec*=
 * commands and their prefixes, exit statuses, Restart= and the start limit,
 * environment files and $VAR expansion, directories, output to files,
 * conditions, and systemctl's view of all of it with its exit codes.
 */
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, tempDir } from './helpers/index.js';

const work = tempDir('hearth-sd-svc-');
const W = work.path;
const run = `hearth-sdtest-${process.pid}`;

const UNITS: Record<string, string> = {
  'systemd/simple.service': `[Unit]\nDescription=Simple one\n[Service]\nEnvironment="WORDS=a b" ONE=1\nEnvironmentFile=-${W}/missing.env\nEnvironmentFile=${W}/vars.env\nExecStart=/bin/sh -c 'echo args:$$0:$$1:$$2:$$3; echo file:$FROMFILE; exec sleep 1000' x $WORDS \${ONE}\n`,
  'systemd/forker.service': `[Service]\nType=forking\nPIDFile=${W}/forker.pid\nExecStart=/bin/sh -c '(trap "echo main got TERM >> ${W}/forker.log; exit 0" TERM; while :; do sleep 0.1; done) & echo $$! > ${W}/forker.pid'\nExecStop=/bin/sh -c 'echo stop mainpid=$MAINPID >> ${W}/forker.log; kill $MAINPID'\nKillMode=mixed\nTimeoutStopSec=5\n`,
  'systemd/once.service': `[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh -c 'echo first >> ${W}/once.log'\nExecStart=/bin/sh -c 'echo second >> ${W}/once.log'\nExecStop=/bin/sh -c 'echo stopped >> ${W}/once.log'\n`,
  'systemd/notifier.service': `[Service]\nType=notify\nExecStart=/bin/sh -c 'sleep 0.3; systemd-notify --ready --status="all set"; exec sleep 1000'\nNotifyAccess=all\n`,
  'systemd/prefail.service': `[Service]\nExecStartPre=-/bin/false\nExecStartPre=/bin/sh -c 'exit 3'\nExecStart=/bin/sleep 1000\nExecStopPost=/bin/sh -c 'echo result=$SERVICE_RESULT code=$EXIT_CODE status=$EXIT_STATUS > ${W}/prefail.post'\n`,
  'systemd/skipped.service': `[Service]\nExecCondition=/bin/sh -c 'exit 1'\nExecStart=/bin/sleep 1000\n`,
  'systemd/conditional.service': `[Unit]\nConditionPathExists=${W}/flag\n[Service]\nExecStart=/bin/sleep 1000\n`,
  'systemd/asserted.service': `[Unit]\nAssertPathExists=${W}/flag\n[Service]\nExecStart=/bin/sleep 1000\n`,
  'systemd/crasher.service': `[Service]\nExecStart=/bin/sh -c 'echo crash >> ${W}/crasher.log; exit 1'\nRestart=on-failure\nRestartSec=50ms\nStartLimitIntervalSec=10s\nStartLimitBurst=3\n`,
  'systemd/fortytwo.service': `[Service]\nExecStart=/bin/sh -c 'exit 42'\nSuccessExitStatus=42\nRestart=on-failure\n`,
  'systemd/prevented.service': `[Service]\nExecStart=/bin/sh -c 'echo ran >> ${W}/prevented.log; exit 7'\nRestart=always\nRestartPreventExitStatus=7\n`,
  'systemd/dirs.service': `[Service]\nUser=nobody\nRuntimeDirectory=${run}\nRuntimeDirectoryMode=0710\nStandardOutput=file:${W}/dirs.out\nStandardError=inherit\nExecStart=/bin/sh -c 'echo dir=$RUNTIME_DIRECTORY user=$(id -un); exec sleep 1000'\n`,
  'systemd/timeout.service': `[Service]\nType=notify\nTimeoutStartSec=400ms\nExecStart=/bin/sleep 1000\n`,
  'systemd/typo.service': `[Service]\nExecStart=/bin/sleep 1000\nRestrat=always\nPrivateDevices=yes\n`,
};

describe('systemd services under hearthd', () => {
  let d: RunningDaemon;
  before(async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(W, 'vars.env'), '# a comment\nFROMFILE="from file"\n');
    d = await startDaemon(UNITS);
  });
  after(async () => {
    await d?.stop();
    work.cleanup();
  });

  const sc = (...a: string[]) => d.cli('systemctl', ...a);

  test('a simple service: $WORDS split into words, ${ONE} in place, EnvironmentFile= read; status 0 running, 3 after stop', async () => {
    assert.equal(sc('start', 'simple').code, 0);
    const st = sc('status', 'simple.service');
    assert.equal(st.code, 0, st.stdout + st.stderr);
    assert.match(st.stdout, /● simple\.service - Simple one/);
    assert.match(st.stdout, /Active: active \(running\)/);
    await eventually(() => /args:x:a:b:1/.test(d.cli('journalctl', '-u', 'simple', '-o', 'cat').stdout), 5000, 'the output');
    assert.match(d.cli('journalctl', '-u', 'simple', '-o', 'cat').stdout, /file:from file/);
    assert.equal(sc('is-active', 'simple').stdout.trim(), 'active');
    assert.equal(sc('stop', 'simple').code, 0);
    assert.equal(sc('status', 'simple').code, 3);
    assert.equal(sc('is-active', 'simple').code, 3);
  });

  test('Type=forking: ready when the pidfile names the daemon; ExecStop= gets $MAINPID', async () => {
    assert.equal(sc('start', 'forker').code, 0);
    const pid = Number(readFileSync(join(W, 'forker.pid'), 'utf8'));
    assert.equal(sc('show', 'forker', '-p', 'MainPID', '--value').stdout.trim(), String(pid));
    assert.equal(sc('stop', 'forker').code, 0);
    const log = readFileSync(join(W, 'forker.log'), 'utf8');
    assert.match(log, new RegExp(`stop mainpid=${pid}`));
    assert.match(log, /main got TERM/);
  });

  test('Type=oneshot runs each ExecStart= in order; RemainAfterExit= keeps it active (exited); stop runs ExecStop=', async () => {
    assert.equal(sc('start', 'once').code, 0);
    assert.equal(readFileSync(join(W, 'once.log'), 'utf8'), 'first\nsecond\n');
    assert.match(sc('status', 'once').stdout, /Active: active \(exited\)/);
    assert.equal(sc('stop', 'once').code, 0);
    assert.equal(readFileSync(join(W, 'once.log'), 'utf8'), 'first\nsecond\nstopped\n');
  });

  test('Type=notify is active only after READY=1', async () => {
    const started = Date.now();
    assert.equal(sc('start', 'notifier').code, 0);
    assert.ok(Date.now() - started >= 250, 'start returned before READY=1');
    assert.equal(sc('is-active', 'notifier').stdout.trim(), 'active');
    await sc('stop', 'notifier');
  });

  test('a failing ExecStartPre= fails the start ("-" ones do not); ExecStopPost= runs with $SERVICE_RESULT', async () => {
    const r = sc('start', 'prefail');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Job for prefail\.service failed because the control process exited with error code/);
    // The shell creates the file before echo writes to it: wait for the whole line.
    await eventually(() => existsSync(join(W, 'prefail.post')) && readFileSync(join(W, 'prefail.post'), 'utf8').endsWith('\n'), 5000, 'ExecStopPost=');
    assert.equal(readFileSync(join(W, 'prefail.post'), 'utf8').trim(), 'result=exit-code code=exited status=3');
    assert.equal(sc('is-failed', 'prefail').code, 0);
  });

  test('ExecCondition= exit 1 and a false ConditionPathExists= skip the start quietly; a false Assert fails it', () => {
    assert.equal(sc('start', 'skipped').code, 0);
    assert.equal(sc('is-active', 'skipped').stdout.trim(), 'inactive');
    assert.equal(sc('start', 'conditional').code, 0);
    assert.match(sc('status', 'conditional').stdout, /start condition failed: ConditionPathExists=/);
    const a = sc('start', 'asserted');
    assert.equal(a.code, 1);
  });

  test('Restart=on-failure stops at StartLimitBurst= and the unit stays failed', async () => {
    sc('start', 'crasher');
    await eventually(() => sc('is-failed', 'crasher').code === 0, 10_000, 'the start limit');
    assert.equal(readFileSync(join(W, 'crasher.log'), 'utf8').split('\n').filter(Boolean).length, 3);
  });

  test('SuccessExitStatus=42 is a clean exit; RestartPreventExitStatus= stops Restart=always', async () => {
    sc('start', 'fortytwo');
    await eventually(() => sc('is-active', 'fortytwo').stdout.trim() === 'inactive', 5000, 'a clean end');
    assert.equal(sc('is-failed', 'fortytwo').code, 1);
    sc('start', 'prevented');
    await eventually(() => sc('is-failed', 'prevented').code === 0, 5000, 'no restart');
    assert.equal(readFileSync(join(W, 'prevented.log'), 'utf8'), 'ran\n');
  });

  test('RuntimeDirectory= is made with its mode for User=, removed at stop; StandardOutput=file: gets the output', async () => {
    assert.equal(sc('start', 'dirs').code, 0);
    const dir = `/run/${run}`;
    const st = statSync(dir);
    assert.equal(st.mode & 0o7777, 0o710);
    await eventually(() => existsSync(join(W, 'dirs.out')) && /user=nobody/.test(readFileSync(join(W, 'dirs.out'), 'utf8')), 5000, 'the output file');
    assert.match(readFileSync(join(W, 'dirs.out'), 'utf8'), new RegExp(`dir=${dir}`));
    assert.equal(sc('stop', 'dirs').code, 0);
    assert.equal(existsSync(dir), false);
  });

  test('TimeoutStartSec= ends a start that takes too long', () => {
    const r = sc('start', 'timeout');
    assert.equal(r.code, 1);
    assert.equal(sc('is-failed', 'timeout').code, 0);
  });

  test('hearth check names the unknown key and the key that is not enforced, with file:line', () => {
    const r = d.cli('check');
    assert.match(r.stdout + r.stderr, /systemd\/typo\.service:3: Unknown key 'Restrat' in section \[Service\], ignoring\./);
    assert.match(r.stdout + r.stderr, /systemd\/typo\.service:4: PrivateDevices=yes is not enforced by hearth/);
    const st = sc('status', 'typo');
    assert.match(st.stdout, /Not enforced: .*PrivateDevices=yes/);
    assert.match(d.cli('status', 'typo.service').stdout, /Not enforced: .*typo\.service:4: PrivateDevices=yes is not enforced by hearth/);
  });
});
