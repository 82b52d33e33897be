/**
 * hearth doctor against a real hearthd: what it finds on a healthy config,
 * and that it names each degraded thing with its fix (a broken service, a
 * control socket anyone may use, no hearthd at all).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePortBase, tempDir } from './helpers/index.js';
import { runCli, startDaemon } from './helpers/daemon.js';
import type { DoctorReport } from '../src/cli/doctor/index.js';

function doctor(socket: string): { code: number; report: DoctorReport; text: string } {
  const json = runCli(socket, ['doctor', '--json']);
  const text = runCli(socket, ['doctor']);
  assert.equal(text.code, json.code, text.stderr);
  return { code: json.code, report: JSON.parse(json.stdout) as DoctorReport, text: text.stdout };
}

const check = (report: DoctorReport, id: string) => {
  const c = report.checks.find((x) => x.id === id);
  assert.ok(c, `no "${id}" check in ${report.checks.map((x) => x.id).join(', ')}`);
  return c;
};

describe('hearth doctor', () => {
  test('a healthy hearthd: helpers, socket mode, config, journal and its ports', async () => {
    const port = await freePortBase([0]);
    const daemon = await startDaemon({
      'services/sleeper.toml': 'exec = ["/bin/sleep", "1000"]\n',
      'xinetd.d/echo': `service echo\n{\n  type = INTERNAL UNLISTED\n  id = echo-doctor\n  socket_type = stream\n  protocol = tcp\n  port = ${port}\n  bind = 127.0.0.1\n  wait = no\n}\n`,
    });
    try {
      const { code, report, text } = doctor(daemon.socket);
      assert.equal(code, 0, text);
      assert.equal(check(report, 'hearthd').status, 'ok');
      assert.equal(report.daemon?.configDir, daemon.configDir);
      assert.equal(check(report, 'socket').status, 'ok');
      assert.match(check(report, 'socket').summary, /srw------- /);
      assert.match(check(report, 'config').summary, /services, \d+ running, none broken$/);
      assert.equal(check(report, 'journal').status, 'ok');
      assert.match(check(report, 'journal').summary, /free/);
      assert.ok(check(report, 'ports').details?.some((d) => d.includes(`127.0.0.1:${port}`)), JSON.stringify(check(report, 'ports')));
      assert.ok(['ok', 'warn'].includes(check(report, 'tracking').status));
      assert.match(check(report, 'tracking').details?.join('\n') ?? '', /cgroup v1 hierarchies/);
      for (const id of ['install', 'helpers', 'hearthd', 'user', 'pid1', 'tracking', 'socket', 'config', 'journal', 'ports']) assert.match(text, new RegExp(`^\\S+\\s+${id}\\s`, 'm'));
    } finally {
      await daemon.stop();
    }
  });

  test('a broken service is a warning with its fix; a socket anyone may use fails', async () => {
    const daemon = await startDaemon({
      'hearth.toml': '[control]\nsocket_mode = "0666"\n',
      'services/good.toml': 'exec = ["/bin/sleep", "1000"]\n',
      'services/bad.toml': 'exec = ["/bin/sleep", "1000"]\nrestrat = "always"\n',
    });
    try {
      const { code, report, text } = doctor(daemon.socket);
      assert.equal(code, 1, text);
      const config = check(report, 'config');
      assert.equal(config.status, 'warn');
      assert.match(config.details?.join('\n') ?? '', /bad: .*restrat/);
      assert.match(config.fix ?? '', /hearth check/);
      const socket = check(report, 'socket');
      assert.equal(socket.status, 'fail');
      assert.match(socket.summary, /anyone/);
      assert.match(socket.fix ?? '', /socket_mode = "0600"/);
      assert.match(text, /^FAIL\s+socket/m);
    } finally {
      await daemon.stop();
    }
  });

  test('no hearthd: says so with the fix, and still reports the host', () => {
    const dir = tempDir();
    try {
      const { code, report } = doctor(join(dir.path, 'hearth.sock'));
      assert.equal(code, 1);
      const daemon = check(report, 'hearthd');
      assert.equal(daemon.status, 'fail');
      assert.match(daemon.fix ?? '', /start it/);
      check(report, 'helpers');
      check(report, 'tracking');
      assert.equal(report.checks.some((c) => c.id === 'socket'), false);
    } finally {
      dir.cleanup();
    }
  });
});
