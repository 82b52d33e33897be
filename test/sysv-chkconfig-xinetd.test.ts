/**
 * chkconfig's xinetd section on Debian's own xinetd.d files (package xinetd,
 * unpacked at test time): one line per file, named after the file, as
 * chkconfig's readXinetdServiceInfo reads them, and `chkconfig echo on`
 * rewriting every `disable` line of the file that holds both echo services.
 * Red Hat's one-service-per-file layout keeps working beside it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { eventually } from './helpers/index.js';
import { startDaemon } from './helpers/daemon.js';
import { unpackDebianPackages } from './helpers/debian-packages.js';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

test("Debian's two-service xinetd files are listed and switched per file, as chkconfig does", async () => {
  const debian = path.join(unpackDebianPackages(['xinetd']), 'etc');
  const files: Record<string, string> = {};
  const names = fs.readdirSync(path.join(debian, 'xinetd.d')).sort();
  for (const n of names) files[`xinetd.d/${n}`] = fs.readFileSync(path.join(debian, 'xinetd.d', n), 'utf8');
  files['xinetd.conf'] = fs.readFileSync(path.join(debian, 'xinetd.conf'), 'utf8').replace('includedir /etc/xinetd.d', 'includedir xinetd.d');
  // Red Hat's layout: one service per file, named after its id.
  files['xinetd.d/echo-rh'] = `# default: off\nservice echo\n{\n\tdisable\t= yes\n\tid\t= echo-rh\n\ttype\t= INTERNAL\n\tsocket_type\t= stream\n\tprotocol\t= tcp\n\twait\t= no\n\tport\t= 7\n\tbind\t= 127.0.0.2\n}\n`;
  const offset = (await freePort()) - 7;
  files['hearth.toml'] = `[inetd]\nport_offset = ${offset}\n`;
  assert.match(files['xinetd.d/echo']!, /id\s*=\s*echo-stream[\s\S]*id\s*=\s*echo-dgram/, 'Debian ships both echo services in one file');

  const d = await startDaemon(files);
  try {
    const section = (text: string) => text.slice(text.indexOf('xinetd based services:'));
    const expected = (on: Set<string>) =>
      `xinetd based services:\n${[...names, 'echo-rh'].sort().map((n) => `\t${`${n}:`.padEnd(15)}\t${on.has(n) ? 'on' : 'off'}\n`).join('')}`;
    // Every Debian file says "disable = yes" in each block; "servers" and "services" too.
    assert.equal(section(d.cli('chkconfig', '--list').stdout), expected(new Set()));

    const on = d.cli('chkconfig', 'echo', 'on');
    assert.equal(on.code, 0, on.stderr);
    const echo = fs.readFileSync(path.join(d.configDir, 'xinetd.d', 'echo'), 'utf8');
    assert.equal((echo.match(/^\s*disable\s*=\s*no\s*$/gm) ?? []).length, 2, 'both blocks switched on');
    assert.equal((echo.match(/disable\s*=\s*yes/g) ?? []).length, 0);
    assert.equal(section(d.cli('chkconfig', '--list').stdout), expected(new Set(['echo'])));
    assert.equal(d.cli('chkconfig', '--list', 'echo').stdout, `${'echo'.padEnd(15)}\ton\n`);
    // The super-server followed: both services of the file are enabled, the udp file's are not.
    await eventually(() => {
      const rows = JSON.parse(d.cli('list', '--json').stdout) as Array<{ name: string; enabled?: boolean }>;
      const en = (n: string) => rows.find((r) => r.name === n)?.enabled;
      return en('echo-stream') === true && en('echo-dgram') === true && en('echo-rh') === false;
    }, 10_000, 'echo-stream and echo-dgram to be enabled');

    assert.equal(d.cli('chkconfig', 'echo-rh', 'on').code, 0);
    assert.equal(d.cli('chkconfig', 'echo', 'off').code, 0);
    assert.equal(section(d.cli('chkconfig', '--list').stdout), expected(new Set(['echo-rh'])));
    assert.equal(d.cli('chkconfig', 'echo-stream', 'on').code, 1, 'a service id is not a file: chkconfig does not know it');
  } finally {
    await d.stop();
  }
});
