import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseXinetdText } from './xinetd-conf.js';
import { parseEtcServices } from './etc-services.js';
import { parseLogType, parseRedirect } from './xinetd-values.js';

const SERVICES = parseEtcServices('http 80/tcp\nsmtp 25/tcp\n');

async function service(body: string, defaults = '') {
  const text = `${defaults ? `defaults\n{\n${defaults}\n}\n` : ''}service x\n{\n\ttype = UNLISTED\n\tsocket_type = stream\n\tport = 7000\n${body}\n}\n`;
  const r = await parseXinetdText(text, 'x.conf', SERVICES);
  return r.services[0]!;
}

describe('log_type, as xinetd parses it', () => {
  test('FILE with no, one or two limits; a lone soft limit gets 1% more (5 KiB to 20 KiB) as its hard limit', () => {
    assert.deepEqual(parseLogType(['FILE', '/var/log/x.log']), { kind: 'file', path: '/var/log/x.log' });
    assert.deepEqual(parseLogType(['FILE', '/l', '1K']), { kind: 'file', path: '/l', softLimit: 1024, hardLimit: 1024 + 5 * 1024 });
    assert.deepEqual(parseLogType(['FILE', '/l', '10M']), { kind: 'file', path: '/l', softLimit: 10 << 20, hardLimit: (10 << 20) + 20 * 1024 });
    assert.deepEqual(parseLogType(['FILE', '/l', '1000000']), { kind: 'file', path: '/l', softLimit: 1_000_000, hardLimit: 1_010_000 });
    assert.deepEqual(parseLogType(['FILE', '/l', '2k', '3K']), { kind: 'file', path: '/l', softLimit: 2048, hardLimit: 3072 });
  });

  test('SYSLOG with a facility and an optional level (info by default)', () => {
    assert.deepEqual(parseLogType(['SYSLOG', 'daemon']), { kind: 'syslog', facility: 3, level: 6 });
    assert.deepEqual(parseLogType(['SYSLOG', 'local4', 'warning']), { kind: 'syslog', facility: 20, level: 4 });
    assert.deepEqual(parseLogType(['SYSLOG', 'authpriv', 'debug']), { kind: 'syslog', facility: 10, level: 7 });
  });

  test('what xinetd refuses is refused with the reason', () => {
    for (const [words, reason] of [
      [['FILE'], /takes a path/],
      [['FILE', 'rel.log'], /absolute path/],
      [['FILE', '/l', '1G'], /soft limit "1G" is invalid/],
      [['FILE', '/l', '2K', '1K'], /hard limit \(1024\) is less than the soft limit \(2048\)/],
      [['SYSLOG', 'kern'], /unknown syslog facility "kern"/],
      [['SYSLOG', 'daemon', 'loud'], /unknown syslog level "loud"/],
      [['STDERR'], /unknown log_type "STDERR"/],
    ] as const) {
      const r = parseLogType([...words]);
      assert.equal(typeof r, 'string', words.join(' '));
      assert.match(r as string, reason);
    }
  });

  test('a bad log_type disables only its service; a good one reaches the model, from defaults too', async () => {
    const bad = await service('\tserver = /bin/true\n\twait = no\n\tlog_type = SYSLOG kern');
    assert.equal(bad.disabled, true);
    assert.match(bad.errors[0]!, /x\.conf:\d+: service "x": unknown syslog facility "kern"/);
    const inherited = await service('\tserver = /bin/true\n\twait = no', '\tlog_type = FILE /var/log/xinetd.log');
    assert.deepEqual(inherited.logType, { kind: 'file', path: '/var/log/xinetd.log' });
    assert.equal(inherited.disabled, false);
  });
});

describe('redirect, as xinetd checks it', () => {
  test('the port may be a tcp service name from /etc/services', () => {
    assert.deepEqual(parseRedirect(['10.0.0.2', 'http'], SERVICES), { host: '10.0.0.2', port: 80 });
    assert.deepEqual(parseRedirect(['db', '5432'], SERVICES), { host: 'db', port: 5432 });
    assert.match(parseRedirect(['h', 'nosuch'], SERVICES) as string, /neither a number nor a tcp service/);
    assert.match(parseRedirect(['h', '0'], SERVICES) as string, /neither a number/);
    assert.match(parseRedirect(['h', '70000'], SERVICES) as string, /too large/);
  });

  test('a redirected service that waits, has NAMEINARGS or is not a stream is disabled; so is TRAFFIC without redirect', async () => {
    const waits = await service('\twait = yes\n\tredirect = 127.0.0.1 80');
    assert.equal(waits.disabled, true);
    assert.match(waits.errors.join('\n'), /must not wait/);
    const named = await service('\twait = no\n\tflags = NAMEINARGS\n\tserver_args = x\n\tredirect = 127.0.0.1 smtp');
    assert.equal(named.disabled, true);
    assert.match(named.errors.join('\n'), /NAMEINARGS/);
    const traffic = await service('\twait = no\n\tserver = /bin/true\n\tlog_on_success = TRAFFIC');
    assert.equal(traffic.disabled, true);
    assert.match(traffic.errors.join('\n'), /TRAFFIC is logged only for redirected services/);
    const inheritedTraffic = await service('\twait = no\n\tserver = /bin/true', '\tlog_on_success = HOST TRAFFIC');
    assert.equal(inheritedTraffic.disabled, true, 'a TRAFFIC in defaults disables every service that does not relay, as in xinetd');
    const ok = await service('\twait = no\n\tredirect = 127.0.0.1 smtp\n\tlog_on_success = TRAFFIC');
    assert.equal(ok.disabled, false, ok.errors.join('\n'));
    assert.deepEqual(ok.redirect, { host: '127.0.0.1', port: 25 });
  });

  test('groups = yes comes from the service or from defaults', async () => {
    assert.equal((await service('\twait = no\n\tserver = /bin/true\n\tgroups = yes')).groups, true);
    assert.equal((await service('\twait = no\n\tserver = /bin/true', '\tgroups = yes')).groups, true);
    assert.equal((await service('\twait = no\n\tserver = /bin/true')).groups, undefined);
  });
});
