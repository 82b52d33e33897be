import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { parseCrontab, splitPercent } from './crontab.js';

const SYSTEM = `# a system crontab in Debian's shape, written for this test
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin

17 *	* * *	root	cd / && run-parts --report /etc/cron.hourly
25 6	* * *	root	test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }
@reboot		backup	/usr/local/bin/warm-cache
MAILTO=""
*/10 * * * * * www-data	/usr/bin/touch /tmp/tick
`;

describe('crontab files', () => {
  test('the system format: environment lines, tabs, the user field, @reboot, seconds', () => {
    const r = parseCrontab('crontab', SYSTEM);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.jobs.map((j) => [j.id, j.user, j.command]), [
      ['crontab:5', 'root', 'cd / && run-parts --report /etc/cron.hourly'],
      ['crontab:6', 'root', 'test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }'],
      ['crontab:7', 'backup', '/usr/local/bin/warm-cache'],
      ['crontab:9', 'www-data', '/usr/bin/touch /tmp/tick'],
    ]);
    assert.equal(r.jobs[0]!.environment.SHELL, '/bin/sh');
    assert.equal(r.jobs[2]!.schedule.reboot, true);
    assert.equal(r.jobs[3]!.environment.MAILTO, '');
    assert.ok(r.jobs[3]!.schedule.seconds.has(50), 'six fields: seconds first');
  });

  test('the user format takes the user from the file name', () => {
    const r = parseCrontab('crontabs/alice', '0 5 * * 1 tar czf /backup/home.tgz /home/alice\n', 'alice');
    assert.deepEqual(r.errors, []);
    assert.equal(r.jobs[0]!.user, 'alice');
    assert.equal(r.jobs[0]!.command, 'tar czf /backup/home.tgz /home/alice');
  });

  test('% starts stdin, later ones are newlines, \\% is a percent sign', () => {
    assert.deepEqual(splitPercent('date +\\%Y'), { command: 'date +%Y' });
    assert.deepEqual(splitPercent('mail -s hi root%line one%line two'), { command: 'mail -s hi root', stdin: 'line one\nline two\n' });
  });

  test('a bad line is an error naming file:line, and the other lines still load', () => {
    const r = parseCrontab('cron.d/broken', '0 25 * * * root /bin/true\n* * * * * root /bin/ok\n* * * * *\n');
    assert.equal(r.jobs.length, 1);
    assert.deepEqual(r.errors.map(String), [
      'cron.d/broken:1: schedule "0 25 * * *": hour 25 is outside 0-23 (system format: SCHEDULE USER COMMAND)',
      'cron.d/broken:3: missing or invalid user field "" (system format: SCHEDULE USER COMMAND)',
    ]);
  });

  test("the files Debian's cron package installs parse without errors", { skip: existsSync('/etc/crontab') ? false : 'no /etc/crontab on this machine' }, () => {
    assert.deepEqual(parseCrontab('/etc/crontab', readFileSync('/etc/crontab', 'utf8')).errors.map(String), []);
    for (const f of existsSync('/etc/cron.d') ? readdirSync('/etc/cron.d') : []) {
      if (f.startsWith('.')) continue;
      assert.deepEqual(parseCrontab(`/etc/cron.d/${f}`, readFileSync(`/etc/cron.d/${f}`, 'utf8')).errors.map(String), [], f);
    }
  });
});
