/**
 * Real units from Debian packages, unchanged, run by hearthd as PID 1 of a
 * private namespace (test/helpers/systemd-host.ts): each starts, becomes
 * ready by its Type, reloads and stops as systemctl says; logs arrive;
 * enable and disable rewrite the .wants links; the timers are scheduled
 * where systemd-analyze says they elapse.
 */
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { debianTree } from './helpers/debian-units.js';
import { SCENARIOS, type Manager } from './helpers/debian-scenarios.js';
import { startHearthHost, type HearthHost } from './helpers/systemd-host.js';

const tree = debianTree();
const DAEMONS = ['/usr/sbin/nginx', '/usr/bin/redis-server', '/usr/bin/memcached', '/usr/sbin/sshd', '/usr/sbin/cron', '/usr/sbin/rsyslogd', '/usr/sbin/dnsmasq', '/usr/bin/pg_ctlcluster'];
const missing = DAEMONS.filter((d) => !existsSync(d));
const root = process.getuid?.() === 0;
const skip = typeof tree === 'string' ? tree : !root ? 'needs root for namespaces' : missing.length ? `not installed (CI installs them): ${missing.join(' ')}` : false;

const TIMERS = ['e2scrub_all.timer', 'e2scrub_all.service', 'fstrim.timer', 'fstrim.service'];
const STUBS = {
  // The jobs need real block devices: their ExecStart= is replaced, everything else stays the package's.
  'e2scrub_all.service.d/stub.conf': '[Service]\nExecStart=\nExecStart=/bin/echo stubbed e2scrub_all\n',
  'fstrim.service.d/stub.conf': '[Service]\nExecStart=\nExecStart=/bin/echo stubbed fstrim\n',
};

describe('real Debian units under hearthd', { skip }, () => {
  let h: HearthHost;
  const units = [...new Set(SCENARIOS.flatMap((s) => s.units).concat(TIMERS))];
  before(async () => {
    const extra = Object.assign({}, STUBS, ...SCENARIOS.filter((s) => !s.name.includes('Accept=yes')).map((s) => s.extra ?? {}));
    h = await startHearthHost({ units: { from: (tree as Exclude<typeof tree, string>).unitDir, names: units, extra } });
  });
  after(async () => {
    await h?.stop();
  });
  const hearth = (): Manager => ({ name: 'hearth', systemctl: (...a) => h.cli('systemctl', ...a) });

  for (const s of SCENARIOS.filter((x) => !x.name.includes('Accept=yes'))) {
    test(`${s.name} starts, is ready by its Type, reloads and stops`, async () => {
      const o = await s.run(hearth(), h);
      const why = `${o.notes.join('; ')}\n${h.cli('journalctl', '-n', '40').stdout}`;
      assert.ok(o.started, `start: ${why}`);
      assert.ok(o.ready, `ready: ${why}`);
      if (o.reloaded !== undefined) assert.ok(o.reloaded, `reload: ${why}`);
      if (o.status !== undefined) assert.ok(o.status, `status: ${why}`);
      assert.ok(o.stopped, `stop: ${why}`);
      const unit = s.units[0]!.replace('@.', '@15-main.');
      assert.notEqual(h.cli('journalctl', '-u', unit, '-o', 'cat', '-q').stdout.trim(), '', `no log lines for ${unit}`);
    });
  }

  test('ssh.socket with Accept=yes (a drop-in and the per-connection ssh@.service) serves each connection from its own instance', async () => {
    const s = SCENARIOS.find((x) => x.name.includes('Accept=yes'))!;
    for (const [name, content] of Object.entries(s.extra ?? {})) {
      const { mkdirSync, writeFileSync } = await import('node:fs');
      mkdirSync(join(h.unitDir, name, '..'), { recursive: true });
      writeFileSync(join(h.unitDir, name), content);
    }
    assert.equal(h.cli('systemctl', 'daemon-reload').code, 0);
    const o = await s.run(hearth(), h);
    assert.ok(o.started && o.ready && o.stopped, o.notes.join('; '));
    assert.match(h.cli('journalctl', '-n', '100').stdout, /ssh@0-127\.0\.0\.1:22-127\.0\.0\.1:\d+\.service/);
  });

  test('enable and disable rewrite the .wants links [Install] names, as systemctl does', () => {
    const wantedBy: Record<string, string> = {
      'nginx.service': 'multi-user.target', 'redis-server.service': 'multi-user.target', 'memcached.service': 'multi-user.target', 'ssh.service': 'multi-user.target',
      'cron.service': 'multi-user.target', 'dnsmasq.service': 'multi-user.target', 'postgresql.service': 'multi-user.target', 'e2scrub_all.timer': 'timers.target', 'fstrim.timer': 'timers.target',
    };
    for (const [unit, target] of Object.entries(wantedBy)) {
      const link = join(h.configDir, 'systemd', `${target}.wants`, unit);
      const e = h.cli('systemctl', 'enable', unit);
      assert.equal(e.code, 0, e.stderr);
      assert.equal(readlinkSync(link), join(h.unitDir, unit));
      assert.equal(h.cli('systemctl', 'is-enabled', unit).stdout.trim(), 'enabled');
      assert.equal(h.cli('systemctl', 'disable', unit).code, 0);
      assert.equal(existsSync(link), false, unit);
    }
    // Alias= links too: redis.service and sshd.service.
    h.cli('systemctl', 'enable', 'ssh.service');
    assert.equal(readlinkSync(join(h.configDir, 'systemd', 'sshd.service')), join(h.unitDir, 'ssh.service'));
    h.cli('systemctl', 'disable', 'ssh.service');
  });

  test('e2scrub_all.timer elapses where systemd-analyze calendar says (within its RandomizedDelaySec=60); its stubbed job runs', () => {
    assert.equal(h.cli('systemctl', 'start', 'e2scrub_all.timer').code, 0);
    const next = Number(JSON.parse(h.cli('status', 'e2scrub_all.timer', '--json').stdout).nextRun);
    const peer = spawnSync('systemd-analyze', ['calendar', 'Sun *-*-* 03:10:00', `--base-time=@${Math.floor(Date.now() / 1000)}`], { encoding: 'utf8' });
    // A host in UTC gets only the "Next elapse:" line, any other zone an "(in UTC):" line too.
    const want = /(?:\(in UTC\)|Next elapse): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/.exec(peer.stdout)?.[1];
    assert.ok(want, peer.stdout + peer.stderr);
    const at = Date.parse(`${want!.replace(' ', 'T')}Z`);
    assert.ok(next >= at && next < at + 60_000, `next ${new Date(next).toISOString()} vs ${want}`);
    assert.match(h.cli('systemctl', 'list-timers').stdout, /e2scrub_all\.timer\s+e2scrub_all\.service/);
    assert.equal(h.cli('systemctl', 'start', 'e2scrub_all.service').code, 0);
    assert.match(h.cli('journalctl', '-u', 'e2scrub_all.service', '-o', 'cat').stdout, /stubbed e2scrub_all/);
  });

  test('fstrim.timer follows ConditionVirtualization=!container as systemd-detect-virt sees this machine', () => {
    const inContainer = spawnSync('systemd-detect-virt', ['--container'], { encoding: 'utf8' }).status === 0;
    assert.equal(h.cli('systemctl', 'start', 'fstrim.timer').code, 0);
    const st = h.cli('systemctl', 'status', 'fstrim.timer');
    if (inContainer) {
      assert.equal(st.code, 3);
      assert.match(st.stdout, /start condition failed: ConditionVirtualization=!container/);
    } else {
      assert.equal(st.code, 0);
      assert.match(h.cli('systemctl', 'list-timers').stdout, /fstrim\.timer\s+fstrim\.service/);
    }
  });
});
