import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfigDir } from './check-report.js';

test('check warns about exec programs that are missing or not executable, with file, line and fix', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-progcheck-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'services'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'xinetd.d'));
  writeFileSync(join(dir, 'bin', 'plain'), '#!/bin/sh\n');
  writeFileSync(join(dir, 'bin', 'ok'), '#!/bin/sh\n');
  chmodSync(join(dir, 'bin', 'ok'), 0o755);
  writeFileSync(join(dir, 'services', 'gone.toml'), 'description = "x"\nexec = ["/usr/local/bin/no-such-backup", "--all"]\n');
  writeFileSync(join(dir, 'services', 'plain.toml'), 'exec = ["bin/plain"]\n');
  writeFileSync(join(dir, 'services', 'ok.toml'), 'exec = ["bin/ok"]\n');
  writeFileSync(join(dir, 'services', 'path.toml'), 'exec = "sleep 10"\n');
  writeFileSync(join(dir, 'services', 'nopath.toml'), 'exec = "no-such-program-anywhere"\n');
  writeFileSync(join(dir, 'services', 'nightly.toml'), 'schedule = "@daily"\nexec = ["/nonexistent/report.sh"]\n');
  writeFileSync(join(dir, 'xinetd.d', 'x'), 'service x\n{\n\ttype = UNLISTED\n\tport = 9\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tuser = root\n\tserver = /no/such/server\n}\n');

  const r = await checkConfigDir(dir);
  assert.equal(r.ok, true, 'a missing program is a warning: the config itself is valid');
  const texts = r.warnings.map((w) => w.text).sort();
  assert.deepEqual(texts, [
    // xinetd files point at the service block, as their other errors do.
    `${join(dir, 'xinetd.d', 'x')}:1: "server" "/no/such/server" does not exist: every connection to "x" would fail`,
    'services/gone.toml:2: "exec" program "/usr/local/bin/no-such-backup" does not exist: "gone" would fail to start',
    `services/nightly.toml:2: "exec" program "/nonexistent/report.sh" does not exist: "nightly" would fail to start`,
    'services/nopath.toml:1: "exec" program "no-such-program-anywhere" is not found in PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin): "nopath" would fail to start (give the full path, or set environment.PATH)',
    `services/plain.toml:1: "exec" program "bin/plain" is not executable: "plain" would fail to start (chmod +x ${join(dir, 'bin', 'plain')})`,
  ]);
});
