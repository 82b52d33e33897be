/**
 * One unit model: behaviours that used to differ between the kinds of unit
 * (or between hearthd and the CLI) and now come from one place.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon } from '../src/daemon/index.js';
import type { HearthEvent } from '../src/model/index.js';
import { runCli, startDaemon, writeTree } from './helpers/daemon.js';
import { eventually, freePortBase, tempDir, waitForEvent } from './helpers/index.js';

describe('hearth check: one code path with or without hearthd', () => {
  const dir = tempDir('hearth-check-');
  const config = join(dir.path, 'config');
  // Every format broken once: hearthd and the CLI must both see all of it.
  writeTree(config, {
    'services/good.toml': 'exec = ["/bin/sleep", "1000"]\n',
    'xinetd.d/broken': 'service broken\n{\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = maybe\n}\n',
    'inetd.conf': 'echo stream tcp nowait root internal\nbogus line\n',
    'init.d/halfscript': '#!/bin/sh\n### BEGIN INIT INFO\n# Provides: halfscript\n# Default-Start: 2 3 4 5\n',
    'crontab': 'SHELL=/bin/sh\n61 * * * * root true\n',
    'cron.d/nouser': '*/5 * * * *\n',
  });
  after(() => dir.cleanup());

  test('offline and online checks print the same problems and exit with the same status', async () => {
    const offline = runCli(join(dir.path, 'no-such.sock'), ['check', '--config-dir', config]);
    const d = await startDaemon({ 'services/other.toml': 'exec = ["/bin/sleep", "1000"]\n' });
    try {
      const online = d.cli('check', '--config-dir', config);
      assert.equal(offline.code, 1, offline.stdout + offline.stderr);
      assert.equal(online.code, offline.code);
      assert.equal(online.stdout, offline.stdout);
      assert.equal(online.stderr, offline.stderr);
      const text = offline.stdout + offline.stderr;
      for (const where of [/xinetd\.d\/broken:\d+/, /inetd\.conf:2/, /init\.d\/halfscript/, /crontab:2/]) assert.match(text, where);
      assert.doesNotMatch(text, /0 services/);
      const json = JSON.parse(runCli(join(dir.path, 'no-such.sock'), ['check', '--config-dir', config, '--json']).stdout) as { services: string[] };
      assert.ok(json.services.includes('good') && json.services.includes('echo'), json.services.join(' '));
    } finally {
      await d.stop();
    }
  });
});

describe('timer runs are stopped like any unit', () => {
  test('stop_signal and stop_timeout of a timer are honoured: its signal first, SIGKILL after its timeout', async () => {
    const out = tempDir('hearth-timer-stop-');
    const got = join(out.path, 'got');
    const stubborn = join(out.path, 'stubborn');
    // The first run traps INT and records it; the second ignores every signal but KILL.
    const d = await startDaemon({
      'services/polite.toml': `schedule = "0 0 1 1 *"\nstop_signal = "SIGINT"\nexec = ["/bin/sh", "-c", "trap 'echo INT > ${got}; exit 0' INT; echo started > ${got}.ready; while :; do sleep 0.1; done"]\n`,
      'services/stubborn.toml': `schedule = "0 0 1 1 *"\nstop_timeout = "300ms"\nexec = ["/bin/sh", "-c", "trap '' TERM INT; echo started > ${stubborn}; while :; do sleep 0.1; done"]\n`,
    });
    try {
      assert.equal(d.cli('start', 'polite').code, 0);
      await eventually(() => existsSync(`${got}.ready`), 10_000, 'the polite run to start');
      assert.equal(d.cli('stop', 'polite').code, 0);
      await eventually(() => existsSync(got) && readFileSync(got, 'utf8').trim() === 'INT', 10_000, 'SIGINT to reach the run');

      assert.equal(d.cli('start', 'stubborn').code, 0);
      await eventually(() => existsSync(stubborn), 10_000, 'the stubborn run to start');
      const stoppedAt = Date.now();
      assert.equal(d.cli('stop', 'stubborn').code, 0);
      // The old fixed 5 s grace is gone: it ends once its own 300 ms have passed.
      await eventually(() => (JSON.parse(d.cli('status', 'stubborn', '--json').stdout) as { state: string }).state === 'waiting', 4000, 'the run to be killed');
      assert.ok(Date.now() - stoppedAt < 4000);
      assert.match(d.cli('logs', 'hearthd', '-n', '50').stdout, /"stubborn" did not stop within 300ms of SIGTERM; sent SIGKILL/);
    } finally {
      await d.stop();
      out.cleanup();
    }
  });
});

describe('inetd-style services report every state change', () => {
  test('a service suspended by cps, and brought back, emits service.state events', async () => {
    const root = tempDir('hearth-cps-');
    const offset = await freePortBase([13]);
    const configDir = join(root.path, 'config');
    writeTree(configDir, {
      'hearth.toml': `[inetd]\nport_offset = ${offset}\n`,
      'xinetd.d/daytime': 'service daytime\n{\n\ttype = INTERNAL\n\tid = daytime-stream\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tdisable = no\n\tcps = 2 1\n}\n',
    });
    mkdirSync(join(root.path, 'run'), { recursive: true });
    const daemon = new Daemon({
      configDir,
      stateDir: join(root.path, 'state'),
      runtimeDir: join(root.path, 'run'),
      logDir: join(root.path, 'log'),
    });
    try {
      await daemon.boot();
      const sub = (l: (e: HearthEvent) => void) => daemon.subscribe(l);
      const suspended = waitForEvent(sub, (e) => e.type === 'service.state' && e.name === 'daytime-stream' && e.to === 'backoff', 15_000, 'suspension');
      const resumed = waitForEvent(sub, (e) => e.type === 'service.state' && e.name === 'daytime-stream' && e.from === 'backoff' && e.to === 'running', 15_000, 'resumption');
      // More than 2 connections in a second trips cps.
      for (let i = 0; i < 6; i++) {
        await new Promise<void>((resolve) => {
          const s = connect({ host: '127.0.0.1', port: offset + 13 });
          s.on('error', () => resolve());
          s.on('close', () => resolve());
          s.resume();
        });
      }
      await suspended;
      assert.equal(daemon.list().find((s) => s.name === 'daytime-stream')?.state, 'backoff');
      await resumed;
      assert.equal(daemon.list().find((s) => s.name === 'daytime-stream')?.state, 'running');
    } finally {
      await daemon.shutdown();
      root.cleanup();
    }
  });
});
