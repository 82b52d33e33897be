import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseInetdConf } from './inetd-conf.js';
import { parseEtcServices } from './etc-services.js';

const SERVICES = parseEtcServices('echo 7/tcp\necho 7/udp\nftp 21/tcp\ntime 37/tcp\ntalk 517/udp\n');

describe('inetd.conf loader', () => {
  test('reads the seven fields, wait.max, user.group and internal services', () => {
    const text = [
      '# comment',
      'echo\tstream\ttcp\tnowait\troot\tinternal',
      'echo\tdgram\tudp\twait\troot\tinternal',
      'ftp stream tcp6 nowait.40 ftp.nogroup /usr/sbin/tcpd /usr/sbin/in.ftpd -l',
      '127.0.0.1:time stream tcp nowait nobody:nogroup /bin/date date -u',
      '#<off># talk dgram udp wait nobody.tty /usr/sbin/in.talkd in.talkd',
    ].join('\n');
    const r = parseInetdConf(text, '/etc/inetd.conf', SERVICES);
    assert.deepEqual(r.errors.map(String), []);
    const byId = new Map(r.services.map((s) => [s.id, s]));
    assert.deepEqual([...byId.keys()], ['echo-stream', 'echo-dgram', 'ftp', 'time', 'talk']);
    assert.deepEqual(byId.get('echo-dgram')!.types, ['INTERNAL']);
    assert.equal(byId.get('echo-dgram')!.wait, true);
    const ftp = byId.get('ftp')!;
    assert.equal(ftp.port, 21);
    assert.deepEqual(ftp.flags, ['IPv6', 'NAMEINARGS']);
    assert.equal(ftp.user, 'ftp');
    assert.equal(ftp.group, 'nogroup');
    assert.equal(ftp.server, '/usr/sbin/tcpd');
    assert.deepEqual(ftp.serverArgs, ['/usr/sbin/in.ftpd', '-l']);
    assert.deepEqual(ftp.cps, { rate: 40, pauseSeconds: 600, intervalSeconds: 60 });
    assert.equal(ftp.origin.line, 4);
    const time = byId.get('time')!;
    assert.equal(time.bind, '127.0.0.1');
    assert.equal(time.group, 'nogroup');
    assert.deepEqual(time.serverArgs, ['date', '-u']);
    assert.equal(byId.get('talk')!.disabled, true, 'Debian #<off># lines are disabled services');
  });

  test('a bad line is reported with file:line and the others still load', () => {
    const text = 'echo stream tcp\nftp stream tcp sometimes root /usr/sbin/in.ftpd in.ftpd\necho stream tcp nowait root internal\n';
    const r = parseInetdConf(text, 'inetd.conf', SERVICES);
    assert.match(String(r.errors[0]), /^inetd\.conf:1: inetd\.conf line needs at least 6 fields/);
    assert.match(String(r.errors[1]), /^inetd\.conf:2: "sometimes" must be wait or nowait/);
    const echo = r.services.find((s) => s.id === 'echo')!;
    assert.equal(echo.disabled, false);
    assert.equal(r.services.find((s) => s.id === 'ftp')!.disabled, true);
  });
});
