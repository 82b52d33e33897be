/** hearth.toml, the daemon's own settings, through parseDaemonSettings / loadDaemonSettings. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LOG } from '../model/index.js';
import { DEFAULT_SETTINGS, loadDaemonSettings, parseDaemonSettings } from './daemon-settings.js';

const HASH = 'scrypt$16384$8$1$aaaaaaaaaaaaaaaaaaaaaa$bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const FILE = 'hearth.toml';

describe('parseDaemonSettings', () => {
  test('an empty file gives the defaults', () => {
    const { settings, errors } = parseDaemonSettings(FILE, '');
    assert.deepEqual(errors, []);
    assert.deepEqual(settings, {
      runlevel: 3,
      inetd: { portOffset: 0, envCompat: 'hearth' },
      web: { listen: '127.0.0.1:9119' },
      control: { socketMode: 0o600 },
      logs: DEFAULT_LOG,
      syslog: {},
      processes: { tracking: 'auto' },
      systemd: {},
    });
  });

  test('reads every documented key', () => {
    const text = [
      'runlevel = 5',
      '[inetd]',
      'port_offset = 10000',
      '[web]',
      'listen = "0.0.0.0:8080"',
      'tls_cert = "/etc/hearth/web.crt"',
      'tls_key = "/etc/hearth/web.key"',
      `password_hash = "${HASH}"`,
      `readonly_password_hash = "${HASH}"`,
      '[control]',
      'socket_mode = "0660"',
      'socket_group = "hearth"',
      '[logs]',
      'max_size = "1M"',
      'keep = 2',
      'max_age = "7d"',
      '[syslog]',
      'socket = "/dev/log"',
      'udp_port = 5140',
      '[processes]',
      'tracking = "process-group"',
      '[systemd]',
      'unit_paths = ["/etc/systemd/system", "/lib/systemd/system"]',
    ].join('\n');
    const { settings, errors } = parseDaemonSettings(FILE, text);
    assert.deepEqual(errors, []);
    assert.deepEqual(settings, {
      runlevel: 5,
      runlevelSet: true,
      inetd: { portOffset: 10000, envCompat: 'hearth' },
      web: { listen: '0.0.0.0:8080', tlsCert: '/etc/hearth/web.crt', tlsKey: '/etc/hearth/web.key', passwordHash: HASH, readonlyPasswordHash: HASH },
      control: { socketMode: 0o660, socketGroup: 'hearth' },
      logs: { maxBytes: 1024 * 1024, keep: 2, maxAgeMs: 7 * 86_400_000 },
      syslog: { socket: '/dev/log', udpPort: 5140 },
      processes: { tracking: 'process-group' },
      systemd: { unitPaths: ['/etc/systemd/system', '/lib/systemd/system'] },
    });
  });

  test('a web address other machines can reach needs TLS; the GUI is then off and the error names the key', () => {
    const r = parseDaemonSettings(FILE, '[web]\nlisten = "0.0.0.0:9119"\n');
    assert.equal(r.settings.web.listen, 'off');
    assert.match(r.errors.map(String).join('\n'), /hearth\.toml:2: "web\.listen" = "0\.0\.0\.0:9119" is reachable from other machines, which needs TLS/);
    assert.deepEqual(parseDaemonSettings(FILE, '[web]\nlisten = "127.0.0.2:9119"\n').errors, []);
    assert.deepEqual(parseDaemonSettings(FILE, '[web]\nlisten = "[::1]:9119"\n').errors, []);
  });

  test('TLS files come in pairs, and a password is only ever a hash', () => {
    assert.match(parseDaemonSettings(FILE, '[web]\ntls_cert = "/x.crt"\n').errors.map(String).join(), /"web\.tls_cert" and "web\.tls_key" must be given together/);
    const plain = parseDaemonSettings(FILE, '[web]\npassword_hash = "hunter2"\n').errors.map(String).join();
    assert.match(plain, /must be a hash made by "hearth web-password"/);
    assert.doesNotMatch(plain, /hunter2/, 'the rejected value is not echoed: it may be a real password');
  });

  test('[inetd] env_compat is "hearth" or "xinetd", and anything else names the key', () => {
    assert.equal(parseDaemonSettings(FILE, '[inetd]\nenv_compat = "xinetd"\n').settings.inetd.envCompat, 'xinetd');
    const bad = parseDaemonSettings(FILE, '[inetd]\nenv_compat = "bsd"\n');
    assert.equal(bad.settings.inetd.envCompat, 'hearth');
    assert.match(bad.errors.map(String).join(), /hearth\.toml:2: .*env_compat/);
  });

  test('web.listen accepts "off" and bracketed IPv6 addresses', () => {
    assert.equal(parseDaemonSettings(FILE, '[web]\nlisten = "off"\n').settings.web.listen, 'off');
    assert.equal(parseDaemonSettings(FILE, '[web]\nlisten = "[::1]:9119"\n').settings.web.listen, '[::1]:9119');
  });

  test('does not change the shared defaults object', () => {
    parseDaemonSettings(FILE, 'runlevel = 1\n[inetd]\nport_offset = 5\n');
    assert.equal(DEFAULT_SETTINGS.runlevel, 3);
    assert.equal(DEFAULT_SETTINGS.inetd.portOffset, 0);
  });

  test('bad values are errors with file, line and key; good keys still apply', () => {
    const text = ['runlevel = 9', '[inetd]', 'port_offset = -1', '[web]', 'listen = "nowhere"', '[control]', 'socket_mode = "999"', '[logs]', 'keep = 4'].join('\n');
    const { settings, errors } = parseDaemonSettings(FILE, text);
    assert.deepEqual(
      errors.map((e) => [e.line, e.key]),
      [
        [1, 'runlevel'],
        [3, 'inetd.port_offset'],
        [5, 'web.listen'],
        [7, 'control.socket_mode'],
      ],
    );
    assert.equal(errors[0]!.toString(), 'hearth.toml:1: "runlevel" must be an integer between 0 and 6, got 9');
    assert.equal(settings.logs.keep, 4);
    assert.equal(settings.runlevel, 3);
  });

  test('unknown keys and sections are rejected with did-you-mean', () => {
    const { errors } = parseDaemonSettings(FILE, 'runlevl = 3\n[web]\nlisen = "off"\n[logz]\nkeep = 1\n');
    assert.deepEqual(
      errors.map((e) => e.toString()),
      [
        'hearth.toml:1: unknown key "runlevl" (did you mean "runlevel"?)',
        'hearth.toml:3: unknown key "lisen" in [web] (did you mean "listen"?)',
        'hearth.toml:4: unknown key "logz" (did you mean "logs"?)',
      ],
    );
  });

  test('a section written as a value is an error', () => {
    const { errors } = parseDaemonSettings(FILE, 'web = "off"\n');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.line, 1);
  });

  test('a syntax error carries its line and leaves the defaults', () => {
    const { settings, errors } = parseDaemonSettings(FILE, 'runlevel = 3\n[web\n');
    assert.equal(errors[0]!.code, 'ERR_CONFIG_SYNTAX');
    assert.equal(errors[0]!.line, 2);
    assert.equal(settings.runlevel, 3);
  });
});

describe('loadDaemonSettings', () => {
  test('a missing hearth.toml means the defaults, without errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-settings-'));
    try {
      const r = loadDaemonSettings(dir);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.settings, DEFAULT_SETTINGS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('reads CONFIG_DIR/hearth.toml and names it relative to the config dir', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-settings-'));
    try {
      writeFileSync(join(dir, 'hearth.toml'), 'runlevel = 2\n[inetd]\nport_offset = "x"\n');
      const r = loadDaemonSettings(dir);
      assert.equal(r.settings.runlevel, 2);
      assert.equal(r.errors[0]!.toString(), 'hearth.toml:3: "inetd.port_offset" must be an integer between 0 and 64000, got "x"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('[web] hosts', () => {
  test('names the GUI also answers to are read in lower case; anything that is not a host name is refused with its line', () => {
    const ok = parseDaemonSettings(FILE, '[web]\nhosts = ["Hearth.Example.org", "[::1]"]\n');
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(ok.settings.web.hosts, ['hearth.example.org', '[::1]']);
    const bad = parseDaemonSettings(FILE, '[web]\nhosts = ["evil.example/path"]\n');
    assert.match(bad.errors[0]!.toString(), /hearth\.toml:2: "web\.hosts" must hold host names, got "evil\.example\/path"/);
  });
});
