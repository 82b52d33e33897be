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
*/10 * * * * www-data	/usr/bin/touch /tmp/tick
`;

const USERS = new Set(['root', 'backup', 'www-data', 'alice']);
const userExists = (name: string) => USERS.has(name);
const system = (text: string) => parseCrontab('cron.d/test', text, undefined, { userExists });
const user = (text: string) => parseCrontab('crontabs/alice', text, 'alice', { userExists });
const errorsOf = (r: { errors: Error[] }) => r.errors.map(String);
const warningsOf = (r: { warnings: Error[] }) => r.warnings.map(String);

describe('crontab files', () => {
  test('the system format: environment lines, tabs, the user field, @reboot', () => {
    const r = parseCrontab('crontab', SYSTEM, undefined, { userExists });
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
    assert.deepEqual([...r.jobs[3]!.schedule.seconds], [0]);
  });

  test('six time fields are not a seconds-first schedule in a crontab: the sixth is the user (system) or the command (user format)', () => {
    assert.deepEqual(errorsOf(system('0 5 * * * * root /bin/daily\n')), [
      'cron.d/test:1: unknown user "*" (this looks like a sixth time field: crontab lines have exactly five (a seconds field is only for schedule = in services/*.toml))',
    ]);
    assert.deepEqual(errorsOf(user('0 5 * * * * /bin/daily\n')), [
      'crontabs/alice:1: the command starts with "*" (this looks like a sixth time field: crontab lines have exactly five (a seconds field is only for schedule = in services/*.toml))',
    ]);
  });

  test('a system line without its user field, or with a user that does not exist, is an error naming file and line', () => {
    const r = system('SHELL=/bin/sh\n0 5 * * * /usr/bin/backup --all\n0 6 * * * nobody-here /bin/true\n0 7 * * * root /bin/true\n');
    assert.deepEqual(errorsOf(r), [
      'cron.d/test:2: unknown user "/usr/bin/backup" (the user comes right after the five time fields; crontab and cron.d/ lines: minute hour day-of-month month day-of-week USER command)',
      'cron.d/test:3: unknown user "nobody-here" (the user comes right after the five time fields; crontab and cron.d/ lines: minute hour day-of-month month day-of-week USER command)',
    ]);
    assert.deepEqual(r.jobs.map((j) => j.id), ['cron.d/test:4']);
    assert.match(errorsOf(system('0 5 * * * root\n'))[0]!, /cron\.d\/test:1: no command after the user field "root"/);
  });

  test('a crontab of a user that does not exist is ignored, as cron ignores it', () => {
    const r = parseCrontab('crontabs/ghost', '* * * * * true\n', 'ghost', { userExists });
    assert.deepEqual([r.jobs.length, errorsOf(r)], [0, ['crontabs/ghost: user "ghost" does not exist; cron ignores this crontab, and so does hearth (a file in crontabs/ is named after the user it runs as)']]);
  });

  test('"5/15", upper-case keywords and bad names are rejected as crontab(1) rejects them', () => {
    assert.match(errorsOf(user('5/15 * * * * true\n'))[0]!, /:1: schedule "5\/15 \* \* \* \*": minute "5\/15": a step needs a range or "\*" before it \("5-59\/…" or "\*\/…"\)/);
    assert.match(errorsOf(user('@Daily true\n'))[0]!, /unknown time keyword "@Daily"/);
    assert.match(errorsOf(user('0 0 * * Sunday true\n'))[0]!, /day of week "Sunday" is not a number or a name/);
    assert.match(errorsOf(user('0 0 * * 8 true\n'))[0]!, /day of week 8 is outside 0-7/);
    assert.match(errorsOf(user('0 0 * * true\n'))[0]!, /day of week "true" is not a number or a name/);
    assert.match(errorsOf(user('0 0 *\n'))[0]!, /has 3 time fields, not 5/);
  });

  test('what crontab(1) accepts but is almost certainly a slip loads as cron reads it, with a warning', () => {
    const r = user('*5 * * * * true\n5-1 0 * * * true\n@daily\n');
    assert.deepEqual(r.errors, []);
    assert.equal(r.jobs[0]!.schedule.minutes.size, 60, '"*5" is "*"');
    assert.equal(r.jobs[1]!.schedule.minutes.size, 0, '"5-1" matches nothing');
    assert.equal(r.jobs[2]!.command, '');
    assert.deepEqual(warningsOf(r), [
      'crontabs/alice:1: minute "*5": cron ignores "5" after "*"',
      'crontabs/alice:2: minute "5-1": the range 5-1 runs backwards, so cron matches nothing for it',
      'crontabs/alice:3: no command: cron accepts the line and runs nothing',
    ]);
  });

  test('variable lines as cron reads them: quotes, blanks around "=", and "NAME=" alone is a (bad) job', () => {
    const r = user('A = one two  \n"B"=\'x=y\'\nC="  "\nD=\'"q"\'\nE=\n* * * * * env\n');
    assert.deepEqual(r.jobs[0]!.environment, { A: 'one two', B: 'x=y', C: '', D: 'q' });
    assert.deepEqual(errorsOf(r), ['crontabs/alice:5: schedule "E=": minute "E" is not a number (crontabs/USER lines: minute hour day-of-month month day-of-week command)']);
  });

  test('a last line without a newline is an error, as crontab(1) refuses the file', () => {
    const r = user('* * * * * true\n0 0 * * * false');
    assert.deepEqual(errorsOf(r), ['crontabs/alice:2: the last line has no newline at its end; cron ignores such a line (and the whole file) (end the file with a newline)']);
    assert.equal(r.jobs.length, 1);
    assert.deepEqual(user('* * * * * true\n# no newline after a comment is fine').errors, []);
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
    const r = parseCrontab('cron.d/broken', '0 25 * * * root /bin/true\n* * * * * root /bin/ok\n* * * * *\n', undefined, { userExists });
    assert.equal(r.jobs.length, 1);
    assert.deepEqual(r.errors.map(String), [
      'cron.d/broken:1: schedule "0 25 * * *": hour 25 is outside 0-23 (crontab and cron.d/ lines: minute hour day-of-month month day-of-week USER command)',
      'cron.d/broken:3: the user field and the command are missing (crontab and cron.d/ lines: minute hour day-of-month month day-of-week USER command)',
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
