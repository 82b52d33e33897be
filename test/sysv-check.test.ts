/**
 * `hearth check` on config dirs that hold only init scripts or only
 * crontabs, and on insserv.conf problems: each counted and reported once,
 * with file and line, by the CLI without a running hearthd.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './helpers/index.js';
import { runCli, writeTree } from './helpers/daemon.js';
import { unpackDebianPackages } from './helpers/debian-packages.js';

const check = (dir: string) => runCli(path.join(dir, 'no-hearthd.sock'), ['check', '--config-dir', dir, '--json']);

test("an init.d-only dir of Debian's real scripts is counted, and a facility nothing defines is reported once", () => {
  const debian = unpackDebianPackages(['initscripts', 'cron', 'openssh-server']);
  const dir = tempDir('hearth-check-initd-');
  try {
    fs.mkdirSync(path.join(dir.path, 'init.d'));
    for (const n of ['cron', 'ssh', 'rc.local', 'bootlogs', 'mountall.sh', 'halt']) {
      fs.copyFileSync(path.join(debian, 'etc', 'init.d', n), path.join(dir.path, 'init.d', n));
    }
    const r = check(dir.path);
    const report = JSON.parse(r.stdout) as { ok: boolean; services: string[]; warnings: Array<{ text: string }> };
    assert.equal(report.ok, true, r.stdout);
    assert.deepEqual(report.services, ['bootlogs', 'cron', 'halt', 'mountall.sh', 'rc.local', 'ssh']);
    const texts = report.warnings.map((w) => w.text);
    // bootlogs: Should-Start $x-display-manager; the built-in insserv.conf defines it, but no display manager is here.
    assert.equal(texts.filter((t) => t.includes('"$x-display-manager"')).length, 1, texts.join('\n'));
    // $syslog is defined but none of its providers is installed: said once, naming its users.
    const syslog = texts.filter((t) => t.includes('"$syslog"'));
    assert.equal(syslog.length, 1, texts.join('\n'));
    assert.match(syslog[0]!, /cron \(Required-Start\)/);
    assert.match(syslog[0]!, /ssh \(Required-Start\)/);
    // $local_fs is provided by mountall.sh: nothing to say about it.
    assert.ok(!texts.some((t) => t.includes('"$local_fs"')), texts.join('\n'));
  } finally {
    dir.cleanup();
  }
});

test('a crontab-only dir is checked and counted', () => {
  const dir = tempDir('hearth-check-cron-');
  try {
    writeTree(dir.path, { crontab: 'SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n', 'cron.d/backup': '0 3 * * * root /usr/local/bin/backup\n61 * * * * root /bin/true\n' });
    const r = check(dir.path);
    const report = JSON.parse(r.stdout) as { ok: boolean; services: string[]; errors: Array<{ text: string }> };
    assert.deepEqual(report.services, ['cron.d-backup-1', 'crontab-2']);
    assert.equal(report.errors.length, 1);
    assert.match(report.errors[0]!.text, /^cron\.d\/backup:2: /);
  } finally {
    dir.cleanup();
  }
});

test('insserv.conf problems name file and line; an undefined facility and a missing required member are reported once', () => {
  const dir = tempDir('hearth-check-insserv-');
  try {
    const script = (name: string, req: string) =>
      `#!/bin/sh\n### BEGIN INIT INFO\n# Provides: ${name}\n# Required-Start: ${req}\n# Required-Stop:\n# Default-Start: 2 3 4 5\n# Default-Stop:\n### END INIT INFO\nexit 0\n`;
    writeTree(dir.path, {
      'insserv.conf': '$network networking\n<bogus> x\n$syslog +rsyslog # comment\n',
      'insserv.conf.d/local': '$db +postgresql\n',
      'init.d/app': script('app', '$network $nosuch $db'),
      'init.d/web': script('web', '$nosuch'),
    });
    const report = JSON.parse(check(dir.path).stdout) as { ok: boolean; services: string[]; warnings: Array<{ text: string }> };
    const texts = report.warnings.map((w) => w.text);
    assert.ok(texts.some((t) => /^insserv\.conf:2: unknown keyword "<bogus>"/.test(t)), texts.join('\n'));
    assert.ok(texts.some((t) => /^insserv\.conf:3: a comment after a definition/.test(t)), texts.join('\n'));
    assert.equal(texts.filter((t) => t.includes('"$nosuch" is not defined')).length, 1, texts.join('\n'));
    assert.match(texts.find((t) => t.includes('"$nosuch"'))!, /app \(Required-Start\), web \(Required-Start\)/);
    assert.equal(texts.filter((t) => t.includes('"$network" requires "networking"')).length, 1, texts.join('\n'));
    assert.equal(texts.filter((t) => t.includes('"$db"')).length, 1, texts.join('\n'));
    assert.deepEqual(report.services, ['app', 'web']);
  } finally {
    dir.cleanup();
  }
});
