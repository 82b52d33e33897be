/**
 * Real Debian units (nginx, redis, memcached, openssh, cron, rsyslog with
 * syslog.socket, dnsmasq, postgresql@, e2scrub_all.timer, fstrim.timer and
 * all of systemd's own), unpacked at test time: every one loads with no
 * error and no warning systemd would not also give, the typed model holds
 * what the files say, and the keys hearth will not enforce are listed.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CalendarEvent, formatDiagnostic, UnitLoader, UTC_ZONE, type SystemdUnit } from '../src/systemd/index.js';
import { debianTree, unitFilesIn } from './helpers/debian-units.js';
import { compareLines, hearthLines, verifyLines, verifyRaw } from './helpers/verify.js';

const tree = debianTree();
const skip = typeof tree === 'string' ? tree : false;

const ISSUE_UNITS = [
  'nginx.service', 'redis-server.service', 'memcached.service', 'ssh.service', 'ssh.socket', 'cron.service', 'rsyslog.service', 'syslog.socket',
  'dnsmasq.service', 'postgresql.service', 'postgresql@15-main.service', 'e2scrub_all.timer', 'e2scrub_all.service', 'e2scrub@dev-sda1.service',
  'fstrim.timer', 'fstrim.service',
];

function problems(u: SystemdUnit): string[] {
  return u.diagnostics.filter((d) => d.severity !== 'info' && d.kind !== 'not-enforced').map(formatDiagnostic);
}

describe('real Debian units', { skip }, () => {
  const { unitDir } = tree as Exclude<typeof tree, string>;
  const loader = new UnitLoader({ searchPath: [unitDir], localZone: UTC_ZONE });

  test('the units issue 22 names all load, with no error or warning', (t) => {
    for (const name of ISSUE_UNITS) {
      const u = loader.load(name);
      assert.equal(u.loadState, 'loaded', `${name}: ${problems(u).join('; ')}`);
      assert.deepEqual(problems(u), [], name);
      const ignored = [...new Set(u.diagnostics.filter((d) => d.kind === 'not-enforced').map((d) => d.key))];
      const approximated = [...new Set(u.diagnostics.filter((d) => d.kind === 'approximated').map((d) => d.key))];
      t.diagnostic(`${name}: not enforced: ${ignored.join(' ') || '-'}; approximated: ${approximated.join(' ') || '-'}`);
    }
  });

  test('the typed model holds what the files say', () => {
    const nginx = loader.load('nginx.service').service!;
    assert.equal(nginx.type, 'forking');
    assert.equal(nginx.pidFile, '/run/nginx.pid');
    assert.deepEqual(nginx.execStartPre[0]!.argv, ['/usr/sbin/nginx', '-t', '-q', '-g', 'daemon on; master_process on;']);
    assert.equal(nginx.execStop[0]!.ignoreFailure, true);
    assert.equal(nginx.timeoutStopUsec, 5_000_000);
    assert.equal(nginx.kill.killMode, 'mixed');

    const ssh = loader.load('ssh.service');
    assert.deepEqual(ssh.service!.execStart[0]!.argv, ['/usr/sbin/sshd', '-D', '$SSHD_OPTS']);
    assert.deepEqual(ssh.service!.exec.environmentFiles, [{ path: '/etc/default/ssh', optional: true }]);
    assert.deepEqual(ssh.service!.restartPreventExitStatus, { statuses: [255], signals: [] });
    assert.deepEqual(ssh.unit.conditions, [{ type: 'PathExists', trigger: false, negate: true, parameter: '/etc/ssh/sshd_not_to_be_run' }]);
    assert.deepEqual(ssh.install.alias, ['sshd.service']);

    const redis = loader.load('redis-server.service').service!;
    assert.equal(redis.exec.umask, 0o007);
    assert.deepEqual(redis.exec.limits.NOFILE, { soft: 65535, hard: 65535 });
    assert.equal(redis.exec.capabilityBoundingSet, 0n);
    assert.equal(redis.exec.protectSystem, 'strict');
    assert.deepEqual(redis.exec.readWritePaths, ['-/var/lib/redis', '-/var/log/redis', '-/var/run/redis', '-/etc/redis']);
    assert.equal(redis.timeoutStopUsec, Infinity, 'TimeoutStopSec=0 means no timeout');

    const pg = loader.load('postgresql@15-main.service');
    assert.deepEqual(pg.template, { name: 'postgresql@.service', instance: '15-main' });
    assert.deepEqual(pg.service!.execStart[0]!.argv, ['/usr/bin/pg_ctlcluster', '--skip-systemctl-redirect', '15-main', 'start']);
    assert.equal(pg.service!.timeoutStartUsec, Infinity);
    assert.equal(pg.unit.description, 'PostgreSQL Cluster 15-main');
    assert.deepEqual(pg.unit.asserts.map((c) => c.parameter), ['/etc/postgresql/15/main/postgresql.conf']);

    const syslog = loader.load('syslog.socket').socket!;
    assert.deepEqual(syslog.listen.map((l) => [l.kind, 'path' in l ? l.path : '']), [['datagram', '/run/systemd/journal/syslog']]);
    assert.equal(syslog.socketMode, 0o666);
    assert.equal(loader.load('ssh.socket').socket!.accept, false);
  });

  test('timers parse and schedule: e2scrub_all on Sundays at 03:10, fstrim weekly', () => {
    const e2 = loader.load('e2scrub_all.timer').timer!;
    assert.deepEqual([e2.persistent, e2.randomizedDelayUsec, e2.unit], [true, 60_000_000, 'e2scrub_all.service']);
    const value = e2.values[0]!;
    assert.equal(value.base, 'OnCalendar');
    const ev = CalendarEvent.parse(value.base === 'OnCalendar' ? value.text : '', { localZone: UTC_ZONE })!;
    assert.deepEqual(ev.next(new Date('2025-01-01T00:00:00Z')), new Date('2025-01-05T03:10:00Z'));
    const fstrim = loader.load('fstrim.timer').timer!;
    assert.equal(fstrim.accuracyUsec, 3_600_000_000);
    assert.equal(fstrim.values[0]!.base === 'OnCalendar' && fstrim.values[0]!.text, 'weekly');
  });

  test('ssh.socket with Accept=yes, as a drop-in and a ssh@.service of our own, per-connection instances', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-ssh-accept-'));
    try {
      fs.mkdirSync(path.join(dir, 'ssh.socket.d'));
      fs.writeFileSync(path.join(dir, 'ssh.socket.d/accept.conf'), '[Socket]\nAccept=yes\n');
      fs.writeFileSync(path.join(dir, 'ssh@.service'), '[Unit]\nDescription=OpenBSD Secure Shell server per-connection daemon\n[Service]\nExecStart=-/usr/sbin/sshd -i\nStandardInput=socket\n');
      const layered = new UnitLoader({ searchPath: [dir, unitDir] });
      const sock = layered.load('ssh.socket');
      assert.deepEqual(problems(sock), []);
      assert.equal(sock.socket!.accept, true);
      assert.deepEqual(sock.dropIns, [path.join(dir, 'ssh.socket.d/accept.conf')]);
      const conn = layered.load('ssh@0-127.0.0.1:22-127.0.0.1:40000.service');
      assert.equal(conn.loadState, 'loaded');
      assert.deepEqual(conn.service!.exec.standardInput, { type: 'socket' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every service, socket, timer and target in these packages gives the same diagnostics as systemd-analyze verify', (t) => {
    const units = unitFilesIn(unitDir).filter((n) => /\.(service|socket|timer|target)$/.test(n) && !n.includes('@'));
    const raw = verifyRaw(unitDir, units);
    // Where nginx is not installed, verify names its missing binary: proof that it read the units.
    // (Where it is installed, the comparison below still covers every unit.)
    assert.ok(fs.existsSync('/usr/sbin/nginx') || raw.includes('nginx.service: Command /usr/sbin/nginx is not executable: No such file or directory'), 'systemd-analyze verify really read the units');
    const systemd = verifyLines(unitDir, units, raw);
    assert.deepEqual(compareLines(hearthLines(unitDir, units), systemd), { onlyHearth: [], onlySystemd: [] });
    const all = loader.loadAll();
    const broken = all.filter((u) => u.loadState !== 'loaded' && u.loadState !== 'masked').map((u) => `${u.name}: ${u.loadState} ${problems(u).join('; ')}`);
    assert.deepEqual(broken, []);
    t.diagnostic(`${units.length} units compared with systemd-analyze verify (${systemd.length} lines from systemd), ${all.length} units loaded, templates included`);
  });
});
