/**
 * Init scripts run by hearthd as Debian runs them: `service NAME ACTION`
 * beside Debian's own /usr/sbin/service on the same scripts, Debian's real
 * rc.local, and a daemon killed with SIGKILL behind hearth's back.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { eventually, tempDir } from './helpers/index.js';
import { startDaemon } from './helpers/daemon.js';
import { unpackDebianPackages } from './helpers/debian-packages.js';

const header = (name: string, extra = '') => `### BEGIN INIT INFO
# Provides:          ${name}
# Required-Start:    $remote_fs
# Required-Stop:     $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: ${name} for a test${extra}
### END INIT INFO`;

/** A script with its own actions, as nginx's has configtest, rotate and upgrade. */
const webScript = (state: string) => `#!/bin/sh
${header('webd')}
case "$1" in
  start) touch '${state}'; echo "Starting webd: webd." ;;
  stop) rm -f '${state}'; echo "Stopping webd: webd." ;;
  status) if [ -e '${state}' ]; then echo "webd is running"; exit 0; fi; echo "webd is not running"; exit 3 ;;
  configtest) echo "Testing webd configuration: ok"; echo "warning: 2 vhosts share a port" >&2 ;;
  rotate) echo "Re-opening webd log files: webd."; echo "args: $2 $3" ;;
  upgrade) echo "Upgrading binary: failed" >&2; exit 1 ;;
  *) echo "Usage: webd {start|stop|status|configtest|rotate|upgrade}" >&2; exit 2 ;;
esac
exit 0
`;

describe("service NAME ACTION beside Debian's service(8)", () => {
  test('any action reaches the script: its output, streams and exit status are those of Debian service', async (t) => {
    if (!fs.existsSync('/usr/sbin/service')) return t.skip('Debian service(8) not installed (package init-system-helpers)');
    const work = tempDir('hearth-service-');
    const state = path.join(work.path, 'webd.state');
    const nginx = path.join(unpackDebianPackages(['nginx-common']), 'etc', 'init.d', 'nginx');
    const d = await startDaemon(
      { 'init.d/webd': webScript(state), 'init.d/nginx': fs.readFileSync(nginx, 'utf8'), 'hearth.toml': 'runlevel = 1\n' },
      [],
      { executable: ['init.d/webd', 'init.d/nginx'] },
    );
    try {
      // Debian's service with its init.d directory pointed at the same scripts.
      const service = path.join(work.path, 'service');
      fs.writeFileSync(service, fs.readFileSync('/usr/sbin/service', 'utf8').replace('SERVICEDIR="/etc/init.d"', `SERVICEDIR="${path.join(d.configDir, 'init.d')}"`));
      fs.chmodSync(service, 0o755);
      const debian = (...args: string[]) => {
        const r = spawnSync(service, args, { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, encoding: 'utf8', timeout: 60_000 });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
      };
      const cases = [
        ['webd', 'configtest'],
        ['webd', 'rotate', 'now', 'please'],
        ['webd', 'upgrade'],
        ['webd', 'frobnicate'],
        ['webd'],
        ['webd', 'start'],
        ['webd', 'status'],
        ['webd', '--full-restart'],
        ['webd', 'stop'],
        ['webd', 'status'],
        ['nginx', 'configtest'],
        ['nginx', 'rotate'],
        ['nginx', 'frobnicate'],
        ['nosuch', 'start'],
      ];
      for (const args of cases) {
        const classic = debian(...args);
        const ours = d.cli('service', ...args);
        assert.deepEqual(
          { code: ours.code, stdout: ours.stdout, stderr: ours.stderr },
          { code: classic.code, stdout: classic.stdout, stderr: classic.stderr },
          `service ${args.join(' ')}`,
        );
      }
      // The state follows the actions hearth passed through.
      d.cli('service', 'webd', 'start');
      const row = JSON.parse(d.cli('list', '--json').stdout).find((s: { name: string }) => s.name === 'webd');
      assert.equal(row.state, 'running');
    } finally {
      await d.stop();
      work.cleanup();
    }
  });
});

describe("Debian's rc.local", () => {
  test('the real /etc/init.d/rc.local is a unit, runs last ($all) and runs the local script', async () => {
    const work = tempDir('hearth-rclocal-');
    const real = fs.readFileSync(path.join(unpackDebianPackages(['initscripts']), 'etc', 'init.d', 'rc.local'), 'utf8');
    assert.match(real, /Required-Start:\s+\$all/);
    const local = path.join(work.path, 'rc.local');
    const log = path.join(work.path, 'log');
    fs.writeFileSync(local, `#!/bin/sh\necho "rc.local ran" >> '${log}'\nexit 0\n`, { mode: 0o755 });
    const early = `#!/bin/sh\n${header('early')}\n[ "$1" = start ] && { sleep 0.2; echo "early ran" >> '${log}'; }\n[ "$1" = status ] && exit 3\nexit 0\n`;
    // The packaged script, with the host's /etc/rc.local swapped for the test's own.
    const files = { 'init.d/rc.local': real.replaceAll('/etc/rc.local', local), 'init.d/early': early, 'hearth.toml': 'runlevel = 2\n' };
    const d = await startDaemon(files, [], { executable: ['init.d/rc.local', 'init.d/early'] });
    try {
      await eventually(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('rc.local ran'), 20_000, 'rc.local to run');
      assert.deepEqual(fs.readFileSync(log, 'utf8').trim().split('\n'), ['early ran', 'rc.local ran']);
      assert.match(d.cli('chkconfig', '--list', 'rc.local').stdout, /^rc\.local\s+\t0:off\t1:off\t2:on\t3:on\t4:on\t5:on\t6:off\n$/);
    } finally {
      await d.stop();
      work.cleanup();
    }
  });
});

describe('a SysV daemon killed behind hearth’s back', () => {
  const script = (name: string, pidfile: string, extra: string) => `#!/bin/sh
${header(name, extra)}
case "$1" in
  start) setsid sleep 3000 </dev/null >/dev/null 2>&1 & echo $! > '${pidfile}'; echo "Starting ${name}" ;;
  stop) [ -f '${pidfile}' ] && kill "$(cat '${pidfile}')" 2>/dev/null; rm -f '${pidfile}' ;;
  status)
    if [ ! -f '${pidfile}' ]; then echo "${name} is not running"; exit 3; fi
    if kill -0 "$(cat '${pidfile}')" 2>/dev/null; then echo "${name} is running"; exit 0; fi
    echo "${name} is not running but the pid file exists"; exit 1 ;;
  *) echo "Usage: ${name} {start|stop|status}" >&2; exit 2 ;;
esac
exit 0
`;
  const stateOf = (d: { cli(...a: string[]): { stdout: string } }, name: string) =>
    JSON.parse(d.cli('list', '--json').stdout).find((s: { name: string }) => s.name === name) as { state: string; detail?: string; restarts: number };

  test('list and status stop saying running; with X-Hearth-Restart: on-failure it comes back', async () => {
    const work = tempDir('hearth-killed-');
    const id = `${process.pid}${Date.now() % 100000}`;
    const plain = `plaind${id}`;
    const kept = `keptd${id}`;
    const pidOf = (n: string) => Number(fs.readFileSync(path.join(work.path, `${n}.pid`), 'utf8'));
    const files = {
      [`init.d/${plain}`]: script(plain, path.join(work.path, `${plain}.pid`), '\n# X-Hearth-Status-Interval: 200ms'),
      [`init.d/${kept}`]: script(kept, path.join(work.path, `${kept}.pid`), ''),
      // The restart policy and the interval come from an override, the packaged script stays untouched.
      [`chkconfig.d/${kept}`]: `### BEGIN INIT INFO\n# X-Hearth-Restart: on-failure\n# X-Hearth-Status-Interval: 200ms\n### END INIT INFO\n`,
      'hearth.toml': 'runlevel = 3\n',
    };
    const d = await startDaemon(files, [], { executable: [`init.d/${plain}`, `init.d/${kept}`] });
    const pids: number[] = [];
    try {
      await eventually(() => stateOf(d, plain)?.state === 'running' && stateOf(d, kept)?.state === 'running', 20_000, 'both to run');
      const first = pidOf(kept);
      pids.push(pidOf(plain), first);
      process.kill(pidOf(plain), 'SIGKILL');
      process.kill(first, 'SIGKILL');
      await eventually(() => stateOf(d, plain).state === 'failed', 20_000, `${plain} to show as failed`);
      assert.match(stateOf(d, plain).detail ?? '', /pid file exists/);
      assert.equal(d.cli('status', plain).code, 3, 'hearth status says not running');
      // The one with a restart policy is started again: a new daemon, one restart counted.
      await eventually(() => stateOf(d, kept).state === 'running' && fs.existsSync(path.join(work.path, `${kept}.pid`)) && pidOf(kept) !== first, 20_000, `${kept} to be restarted`);
      pids.push(pidOf(kept));
      assert.equal(stateOf(d, kept).restarts, 1);
      assert.equal(stateOf(d, plain).state, 'failed', 'without a policy it stays failed');
    } finally {
      await d.stop();
      for (const p of pids) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone
        }
      }
      work.cleanup();
    }
  });
});
