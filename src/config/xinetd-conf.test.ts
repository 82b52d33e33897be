import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { includedFileNames, loadXinetdConfig, parseCommentHeader, parseXinetdText } from './xinetd-conf.js';
import { parseEtcServices } from './etc-services.js';
import { testTempDir } from '../testing/temp-dir.js';

const FIX = fileURLToPath(new URL('../../test/fixtures/xinetd/', import.meta.url));
const SERVICES = parseEtcServices('echo 7/tcp\necho 7/udp\ndaytime 13/tcp\ndaytime 13/udp\nftp 21/tcp\n');

describe('xinetd.conf loader', () => {
  test("Debian's shipped xinetd.conf and xinetd.d load as shipped, with no warnings", async () => {
    const r = await loadXinetdConfig(join(FIX, 'debian/xinetd.conf'), [], { servicesFile: join(FIX, 'services') });
    assert.deepEqual(r.errors.map(String), []);
    assert.deepEqual(r.warnings.map(String), []);
    const ids = r.services.map((s) => s.id).sort();
    assert.deepEqual(ids, [
      'chargen-dgram', 'chargen-stream', 'daytime-dgram', 'daytime-stream', 'discard-dgram', 'discard-stream',
      'echo-dgram', 'echo-stream', 'servers', 'services', 'time-dgram', 'time-stream',
    ]);
    const echo = r.services.find((s) => s.id === 'echo-stream')!;
    assert.equal(echo.port, 7);
    assert.equal(echo.protocol, 'tcp');
    assert.equal(echo.wait, false);
    assert.equal(echo.disabled, true);
    assert.deepEqual(echo.types, ['INTERNAL']);
    assert.equal(echo.defaultOn, false);
    assert.match(echo.description, /^An xinetd internal service which echo's characters back to clients\./);
    const time = r.services.find((s) => s.id === 'time-dgram')!;
    assert.equal(time.port, 37);
    assert.equal(time.wait, true);
    assert.match(time.origin.file, /xinetd\.d\/time$/);
    assert.equal(typeof time.origin.line, 'number');
  });

  test('the comment header gives default and a multi-line description', () => {
    const h = parseCommentHeader(['# default: on', '# description: The first line', '#   and the second. \\', '#   third', '', 'service x']);
    assert.equal(h.defaultOn, true);
    assert.equal(h.description, 'The first line and the second. third');
  });

  test('includedir skips names with a dot or ending in ~ and reads the rest in C order', () => {
    assert.deepEqual(includedFileNames(['b', 'a.rpmsave', 'B', 'c~', '.hidden', 'a', 'x.conf']), ['B', 'a', 'b']);
  });

  test('includedir really skips those files on disk and resolves relative to the including file', async () => {
    const dir = testTempDir('hearth-xi-');
    mkdirSync(join(dir, 'd'));
    const svc = (name: string, port: number) => `service ${name}\n{\n socket_type = stream\n wait = no\n type = UNLISTED\n port = ${port}\n server = /bin/cat\n}\n`;
    writeFileSync(join(dir, 'd', 'one'), svc('one', 9001));
    writeFileSync(join(dir, 'd', 'two.rpmnew'), svc('two', 9002));
    writeFileSync(join(dir, 'd', 'three~'), svc('three', 9003));
    writeFileSync(join(dir, 'main.conf'), 'defaults\n{\n instances = 7\n}\nincludedir d\n');
    const r = await loadXinetdConfig(join(dir, 'main.conf'), [join(dir, 'd')], { services: SERVICES });
    assert.deepEqual(r.services.map((s) => s.id), ['one']);
    assert.equal(r.services[0]!.instances, 7, 'defaults apply to included files');
  });

  test('+= and -= change lists inherited from defaults; = replaces them', async () => {
    const text = [
      'defaults', '{', ' only_from = 10.0.0.0 192.168.1.1', ' log_on_success = PID', ' log_on_success = HOST', '}',
      'service a', '{', ' socket_type = stream', ' wait = no', ' type = UNLISTED', ' port = 9001', ' server = /bin/cat',
      ' only_from += 127.0.0.1', ' only_from -= 192.168.1.1', ' log_on_success += DURATION', '}',
      'service b', '{', ' socket_type = stream', ' wait = no', ' type = UNLISTED', ' port = 9002', ' server = /bin/cat',
      ' only_from = 172.16.0.0/12', ' log_on_success -= PID', '}',
    ].join('\n');
    const r = await parseXinetdText(text, 'x.conf', SERVICES);
    assert.deepEqual(r.errors.map(String), []);
    const [a, b] = r.services;
    assert.deepEqual(a!.onlyFrom!.map((p) => p.text), ['10.0.0.0', '127.0.0.1']);
    assert.deepEqual(a!.logOnSuccess, ['PID', 'HOST', 'DURATION']);
    assert.deepEqual(b!.onlyFrom!.map((p) => p.text), ['172.16.0.0/12']);
    assert.deepEqual(b!.logOnSuccess, ['HOST']);
  });

  test('an unknown attribute only warns, with file:line and a suggestion', async () => {
    const text = 'service echo\n{\n socket_type = stream\n wait = no\n type = INTERNAL\n protcol = tcp\n}\n';
    const r = await parseXinetdText(text, '/cfg/xinetd.d/echo', SERVICES);
    assert.equal(r.services.length, 1);
    assert.equal(r.services[0]!.disabled, false);
    assert.equal(r.warnings.length, 1);
    assert.match(String(r.warnings[0]), /^\/cfg\/xinetd\.d\/echo:6: service "echo": unknown attribute "protcol", ignored \(did you mean "protocol"\?\)/);
  });

  test('a bad value disables only its service and names file:line; malformed lines do not stop the rest', async () => {
    const text = [
      'service echo', '{', ' socket_type = stream', ' wait = maybe', ' type = INTERNAL', '}',
      'this line is garbage',
      'service daytime', '{', ' socket_type = stream', ' wait = no', ' type = INTERNAL', ' instances = lots', '}',
      'service ftp', '{', ' socket_type = stream', ' wait = no', ' server = /usr/sbin/in.ftpd', ' nonsense without operator', '}',
      'service good', '{', ' socket_type = stream', ' wait = no', ' type = UNLISTED', ' port = 9009', ' server = /bin/cat', '}',
    ].join('\n');
    const r = await parseXinetdText(text, 'bad.conf', SERVICES);
    const byId = new Map(r.services.map((s) => [s.id, s]));
    assert.equal(byId.get('echo')!.disabled, true);
    assert.match(byId.get('echo')!.errors[0]!, /^bad\.conf:4: service "echo": "wait" must be yes or no, got "maybe"/);
    assert.equal(byId.get('daytime')!.disabled, true);
    assert.match(byId.get('daytime')!.errors[0]!, /^bad\.conf:13: .*instances.*"lots"/);
    assert.equal(byId.get('ftp')!.disabled, true);
    assert.match(byId.get('ftp')!.errors[0]!, /^bad\.conf:20: cannot parse/);
    assert.equal(byId.get('good')!.disabled, false);
    assert.ok(r.errors.some((e) => e.line === 7 && /garbage/.test(e.message)));
  });

  test('an unterminated entry is reported and the entries before it still load', async () => {
    const text = 'service good\n{\n socket_type = stream\n wait = no\n type = UNLISTED\n port = 9009\n server = /bin/cat\n}\nservice broken\n{\n wait = no\n';
    const r = await parseXinetdText(text, 'x.conf', SERVICES);
    assert.deepEqual(r.services.map((s) => s.id), ['good']);
    assert.match(String(r.errors[0]), /x\.conf:9: service "broken": missing "}"/);
  });

  test('the port comes from /etc/services when absent; an unlisted service without a port is an error', async () => {
    const ok = await parseXinetdText('service daytime\n{\n socket_type = dgram\n wait = yes\n type = INTERNAL\n}\n', 'x', SERVICES);
    assert.equal(ok.services[0]!.port, 13);
    assert.equal(ok.services[0]!.protocol, 'udp');
    const bad = await parseXinetdText('service nosuch\n{\n socket_type = stream\n wait = no\n server = /bin/cat\n}\n', 'x', SERVICES);
    assert.equal(bad.services[0]!.disabled, true);
    assert.match(bad.services[0]!.errors[0]!, /"nosuch\/tcp" is not in \/etc\/services/);
  });

  test('a repeated plain attribute warns and keeps the first value, as xinetd does', async () => {
    const r = await parseXinetdText('service x\n{\n socket_type = stream\n wait = no\n type = UNLISTED\n port = 9001\n port = 9002\n server = /bin/cat\n}\n', 'x', SERVICES);
    assert.equal(r.services[0]!.port, 9001);
    assert.match(String(r.warnings[0]), /x:7: .*"port" is already set/);
  });

  test('defaults disabled = ID turns that service off; cps defaults to 50 per second and a 10 s pause', async () => {
    const r = await parseXinetdText('defaults\n{\n disabled = b\n}\nservice a\n{\n socket_type = stream\n wait = no\n type = UNLISTED\n port = 9001\n server = /bin/cat\n}\nservice b\n{\n socket_type = stream\n wait = no\n type = UNLISTED\n port = 9002\n server = /bin/cat\n}\n', 'x', SERVICES);
    assert.deepEqual(r.services.map((s) => [s.id, s.disabled]), [['a', false], ['b', true]]);
    assert.deepEqual(r.services[0]!.cps, { rate: 50, pauseSeconds: 10 });
  });

  test('two enabled services on one port: the second is refused with a message', async () => {
    const svc = (n: string) => `service ${n}\n{\n socket_type = stream\n wait = no\n type = UNLISTED\n port = 9001\n server = /bin/cat\n}\n`;
    const r = await parseXinetdText(svc('a') + svc('b'), 'x', SERVICES);
    assert.equal(r.services.find((s) => s.id === 'b')!.disabled, true);
    assert.ok(r.errors.some((e) => /already used by "a"/.test(e.message)));
  });

  test('server_args, NAMEINARGS, env, rlimits, umask, access_times and redirect are normalised', async () => {
    const text = [
      'service x', '{', ' socket_type = stream', ' wait = no', ' type = UNLISTED', ' port = 9001',
      ' server = /usr/sbin/tcpd', ' server_args = /usr/sbin/in.ftpd -l -a', ' flags = NAMEINARGS NODELAY',
      ' env = LANG=C FOO=a=b', ' passenv = PATH', ' rlimit_as = 8M', ' rlimit_cpu = UNLIMITED', ' umask = 027',
      ' access_times = 2:00-9:00 12:00-24:00', ' cps = 100 5', ' per_source = 3', ' instances = UNLIMITED', '}',
      'service r', '{', ' socket_type = stream', ' wait = no', ' type = UNLISTED', ' port = 9002', ' redirect = 10.0.0.2 8080', '}',
    ].join('\n');
    const r = await parseXinetdText(text, 'x', SERVICES);
    assert.deepEqual(r.errors.map(String), []);
    const x = r.services[0]!;
    assert.deepEqual(x.serverArgs, ['/usr/sbin/in.ftpd', '-l', '-a']);
    assert.deepEqual(x.flags, ['NAMEINARGS', 'NODELAY']);
    assert.deepEqual(x.env, { LANG: 'C', FOO: 'a=b' });
    assert.deepEqual(x.rlimits, { as: { soft: 8388608, hard: 8388608 }, cpu: { soft: 'unlimited', hard: 'unlimited' } });
    assert.equal(x.umask, 0o27);
    assert.deepEqual(x.accessTimes, [{ from: 120, to: 540 }, { from: 720, to: 1440 }]);
    assert.deepEqual(x.cps, { rate: 100, pauseSeconds: 5 });
    assert.equal(x.perSource, 3);
    assert.equal(x.instances, undefined);
    assert.deepEqual(r.services[1]!.redirect, { host: '10.0.0.2', port: 8080 });
  });
});
