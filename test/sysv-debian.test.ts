/**
 * Real Debian init scripts (from the cron, openssh-server,
 * dbus, procps, util-linux, x11-common and xinetd packages, read from
 * /etc/init.d where CI installs them; copied to a temp dir, never committed):
 * hearth parses, orders and runs them, and its `service --status-all`
 * matches what Debian's own service(8) prints for the same directory.
 * Only the harmless `status` action is run.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSysvScripts } from '../src/config/sysv-script.js';
import { formatStatusAllLine, planStart, statusAllStateOf, sysvOrderUnit } from '../src/runlevels/index.js';
import { runScript } from '../src/sysv/index.js';
import { testTempDir } from '../src/testing/temp-dir.js';

const NAMES = ['cron', 'dbus', 'hwclock.sh', 'procps', 'ssh', 'x11-common', 'xinetd'];
const missing = NAMES.filter((n) => !fs.existsSync(path.join('/etc/init.d', n)));
const debian = testTempDir('hearth-debian-init-');
for (const n of NAMES) if (!missing.includes(n)) fs.copyFileSync(path.join('/etc/init.d', n), path.join(debian, n));

describe('real Debian init scripts', { skip: missing.length ? `missing /etc/init.d/${missing.join(', ')} (CI installs cron openssh-server dbus procps util-linux x11-common xinetd)` : false }, () => {
  const { scripts, errors } = loadSysvScripts(debian);

  test('all load, with the names, levels and dependencies their headers declare', () => {
    assert.deepEqual(errors, []);
    const byName = Object.fromEntries(scripts.map((s) => [s.name, s]));
    assert.deepEqual(Object.keys(byName), ['cron', 'dbus', 'hwclock.sh', 'procps', 'ssh', 'x11-common', 'xinetd']);
    assert.deepEqual(byName['ssh']!.defaultLevels, [2, 3, 4, 5]);
    assert.deepEqual(byName['x11-common']!.defaultLevels, []);
    assert.equal(byName['x11-common']!.lsb!.sysinit, true);
  });

  test('ordered with a syslog provider, everything that needs or wants $syslog starts after it, in parallel', () => {
    const units = [...scripts.map(sysvOrderUnit), { name: 'rsyslog', provides: ['$syslog'] }];
    const level2 = scripts.filter((s) => s.defaultLevels.includes(2)).map((s) => s.name);
    const plan = planStart(units, [...level2, 'rsyslog']);
    assert.deepEqual(plan.cycles, []);
    assert.deepEqual(plan.missing, []);
    // xinetd only Should-Start $syslog, but that still orders it after it.
    assert.deepEqual(plan.waves, [['rsyslog'], ['cron', 'dbus', 'ssh', 'xinetd']]);
    assert.deepEqual(plan.deps['xinetd'], [{ name: 'rsyslog', hard: false }]);
    assert.deepEqual(plan.deps['cron'], [{ name: 'rsyslog', hard: true }]);
  });

  test('service --status-all output matches Debian service(8) for the same directory', async (t) => {
    if (!fs.existsSync('/usr/sbin/service')) return t.skip('Debian service(8) not installed');
    // Debian's service with its init.d directory pointed at the fixture.
    const dir = testTempDir('hearth-service-');
    const service = path.join(dir, 'service');
    fs.writeFileSync(service, fs.readFileSync('/usr/sbin/service', 'utf8').replace('SERVICEDIR="/etc/init.d"', `SERVICEDIR="${debian}"`));
    fs.chmodSync(service, 0o755);
    const classic = spawnSync(service, ['--status-all'], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(classic.status, 0);

    const names = fs.readdirSync(debian).sort();
    const results = await Promise.all(names.map((n) => runScript(path.join(debian, n), 'status', { timeoutMs: 20_000 })));
    let stdout = '';
    let stderr = '';
    results.forEach((r, i) => {
      const line = formatStatusAllLine(names[i]!, statusAllStateOf(r.code, r.output));
      if (line.stream === 'stdout') stdout += line.text;
      else stderr += line.text;
    });
    assert.equal(stdout, classic.stdout);
    assert.equal(stderr, classic.stderr);
    assert.ok(stderr.includes(' [ ? ]  hwclock.sh'), 'hwclock.sh has no status action');
  });

  test('status of every script gives an LSB meaning', async () => {
    const r = await runScript(path.join(debian, 'dbus'), 'status', { timeoutMs: 20_000 });
    assert.equal(r.code, 3);
    assert.equal(r.status, 'stopped');
    assert.match(r.output, /dbus is not running/);
    // Sanity: the script really is the packaged one.
    assert.match(execFileSync('head', ['-3', path.join(debian, 'dbus')], { encoding: 'utf8' }), /### BEGIN INIT INFO/);
  });
});
