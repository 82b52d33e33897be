import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HearthError } from '../errors/index.js';
import { isIgnoredInitFile, loadSysvScripts, parseSysvScript } from './sysv-script.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/sysv');
const read = (rel: string) => {
  const file = path.join(fixtures, rel);
  return parseSysvScript(fs.readFileSync(file, 'utf8'), file);
};

/**
 * Real scripts from Debian packages are read where the packages put them
 * (CI installs them), never copied into this repository.
 */
const DEBIAN_PACKAGES: Record<string, string> = {
  cron: 'cron',
  ssh: 'openssh-server',
  xinetd: 'xinetd',
  'hwclock.sh': 'util-linux',
  procps: 'procps',
  dbus: 'dbus',
  'x11-common': 'x11-common',
};
const missingDebian = (...names: string[]): string | false => {
  const missing = names.filter((n) => !fs.existsSync(path.join('/etc/init.d', n)));
  return missing.length ? `needs /etc/init.d/${missing.join(', ')} (apt-get install ${missing.map((n) => DEBIAN_PACKAGES[n] ?? n).join(' ')})` : false;
};
const readDebian = (name: string) => parseSysvScript(fs.readFileSync(path.join('/etc/init.d', name), 'utf8'), path.join('/etc/init.d', name));

describe('parseSysvScript on real Debian scripts', () => {
  test('cron: LSB dependencies, levels and a multi-line Description are read', { skip: missingDebian('cron') }, () => {
    const s = readDebian('cron');
    assert.equal(s.name, 'cron');
    assert.equal(s.chkconfig, undefined);
    assert.deepEqual(s.lsb!.requiredStart, ['$remote_fs', '$syslog', '$time']);
    assert.deepEqual(s.lsb!.shouldStart, ['$network', '$named', 'slapd', 'autofs', 'ypbind', 'nscd', 'nslcd', 'winbind', 'sssd']);
    assert.deepEqual(s.lsb!.defaultStart, [2, 3, 4, 5]);
    assert.deepEqual(s.lsb!.defaultStop, []);
    assert.deepEqual(s.defaultLevels, [2, 3, 4, 5]);
    assert.equal(s.summary, 'Regular background program processing daemon');
    assert.match(s.lsb!.description!, /^cron is a standard UNIX program that runs user-specified programs at periodic .* configuration options\.$/);
    assert.equal(s.startPriority, undefined);
    assert.equal(s.hasHeaders, true);
  });

  test('ssh: tab-separated fields and two names in Provides', { skip: missingDebian('ssh') }, () => {
    const s = readDebian('ssh');
    assert.deepEqual(s.provides, ['ssh', 'sshd']);
    assert.deepEqual(s.lsb!.requiredStart, ['$remote_fs', '$syslog']);
    assert.equal(s.summary, 'OpenBSD Secure Shell server');
  });

  test('xinetd: Default-Stop removes nothing from Default-Start; two names in Provides', { skip: missingDebian('xinetd') }, () => {
    const s = readDebian('xinetd');
    assert.deepEqual(s.lsb!.defaultStop, [0, 1, 6]);
    assert.deepEqual(s.defaultLevels, [2, 3, 4, 5]);
    assert.deepEqual(s.provides, ['xinetd', 'inetd']);
  });

  test('hwclock.sh and procps: "Default-Start: S" is boot-time only, X-Start-Before is kept', { skip: missingDebian('hwclock.sh', 'procps') }, () => {
    const h = readDebian('hwclock.sh');
    assert.equal(h.name, 'hwclock.sh');
    assert.equal(h.lsb!.sysinit, true);
    assert.deepEqual(h.defaultLevels, []);
    assert.deepEqual(h.provides, ['hwclock.sh', 'hwclock']);
    assert.deepEqual(h.lsb!.shouldStop, ['umountfs']);
    const p = readDebian('procps');
    assert.deepEqual(p.lsb!.xStartBefore, ['$network']);
    assert.equal(p.lsb!.description, 'Loads kernel parameters that are specified in /etc/sysctl.conf');
  });
});

describe('parseSysvScript on Red Hat style headers', () => {
  test('a chkconfig line gives levels and priorities; description continuation lines are joined', () => {
    const s = read('redhat/crond');
    assert.deepEqual(s.chkconfig, { levels: [2, 3, 4, 5], start: 90, stop: 60, line: 5 });
    assert.equal(s.startPriority, 90);
    assert.equal(s.stopPriority, 60);
    assert.equal(
      s.description,
      'cron is a standard UNIX program that runs user-specified programs at periodic scheduled times. vixie cron adds a number of features to the basic UNIX cron, including better security and more powerful configuration options.',
    );
    assert.equal(s.processName, 'crond');
    assert.equal(s.pidFile, '/var/run/crond.pid');
    assert.deepEqual(s.config, ['/etc/crontab', '/etc/sysconfig/crond']);
    assert.deepEqual(s.provides, ['crond', 'crontab']);
    // "Default-Start: 2345" without spaces is understood.
    assert.deepEqual(s.lsb!.defaultStart, [2, 3, 4, 5]);
  });

  test('a typo in Default-Stop is a warning naming file and line, not a failure', () => {
    const s = read('redhat/crond');
    assert.equal(s.warnings.length, 1);
    assert.match(s.warnings[0]!, /crond:21: ignoring runlevel "90" in Default-Stop/);
  });

  test('"# chkconfig: -" means no default levels', () => {
    const s = read('redhat/netfs');
    assert.deepEqual(s.defaultLevels, []);
    assert.equal(s.startPriority, 25);
    assert.equal(s.description, 'Mounts and unmounts all Network File System (NFS), SMB (Lan Manager/Windows), and NCP (NetWare) mount points.');
  });

  test('a script with no headers gets levels 2345, no priorities and its name as summary', () => {
    const s = read('redhat/plain');
    assert.deepEqual(s.defaultLevels, [2, 3, 4, 5]);
    assert.equal(s.startPriority, undefined);
    assert.equal(s.summary, 'plain');
    assert.equal(s.hasHeaders, false);
  });

  test('a description without continuation ends at the line', () => {
    const s = parseSysvScript('#!/bin/sh\n# description: one line\n# processname: x\n', '/x/one');
    assert.equal(s.description, 'one line');
    assert.equal(s.processName, 'x');
  });
});

describe('parseSysvScript errors name file and line', () => {
  const expectError = (rel: string, line: number, pattern: RegExp) => {
    try {
      read(rel);
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof HearthError);
      assert.equal(e.line, line);
      assert.ok(e.file!.endsWith(rel));
      assert.match(e.message, pattern);
    }
  };
  test('bad chkconfig levels', () => expectError('broken/badlevels', 3, /levels "2x45"/));
  test('a priority over 99', () => expectError('broken/badprio', 2, /start priority "155"/));
  test('an LSB block with no END line', () => expectError('broken/unclosed', 2, /not closed by "### END INIT INFO"/));
  test('a chkconfig line with too few fields', () => {
    assert.throws(() => parseSysvScript('#!/bin/sh\n# chkconfig: 345\n', '/x/short'), (e: HearthError) => e.line === 2 && e.code === 'ERR_CONFIG_SYNTAX');
  });
});

describe('loadSysvScripts', () => {
  test('skips leftovers, backups, dotfiles, README and directories, and sorts by name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-sysv-'));
    for (const f of fs.readdirSync(path.join(fixtures, 'redhat'))) fs.copyFileSync(path.join(fixtures, 'redhat', f), path.join(dir, f));
    fs.mkdirSync(path.join(dir, 'subdir'));
    const { scripts, errors } = loadSysvScripts(dir);
    assert.deepEqual(errors, []);
    assert.deepEqual(scripts.map((s) => s.name), ['crond', 'netfs', 'plain']);
    fs.rmSync(dir, { recursive: true });
  });

  test('a broken script is reported while the others still load', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-sysv-'));
    fs.copyFileSync(path.join(fixtures, 'broken/badprio'), path.join(dir, 'badprio'));
    fs.writeFileSync(path.join(dir, 'good'), '#!/bin/sh\n# chkconfig: 345 20 80\n# description: fine\n');
    const { scripts, errors } = loadSysvScripts(dir);
    assert.deepEqual(scripts.map((s) => s.name), ['good']);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.toString(), /badprio:2: /);
    fs.rmSync(dir, { recursive: true });
  });

  test('a missing directory is simply no scripts', () => {
    assert.deepEqual(loadSysvScripts('/nonexistent/hearth/init.d'), { scripts: [], errors: [] });
  });

  test('every init script on this machine loads without errors', () => {
    const { errors } = loadSysvScripts('/etc/init.d');
    assert.deepEqual(errors.map(String), []);
  });

  test('isIgnoredInitFile knows the junk names', () => {
    for (const n of ['.x', 'a~', 'a,', 'a.rpmsave', 'a.dpkg-dist', 'a.dpkg-old', 'a.ucf-old', 'README', 'README.Debian', 'skeleton', 'rcS', 'rc', 'Makefile', 'a.bak', 'a.orig', 'x,v']) {
      assert.equal(isIgnoredInitFile(n), true, n);
    }
    for (const n of ['cron', 'hwclock.sh', 'ssh', 'rc.local', 'halt', 'single', 'functions']) assert.equal(isIgnoredInitFile(n), false, n);
  });
});
