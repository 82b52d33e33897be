/** The [fleet] section of hearth.toml, through parseDaemonSettings. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { parseDaemonSettings } from './daemon-settings.js';

const FILE = 'hearth.toml';

function parse(lines: string[]) {
  return parseDaemonSettings(FILE, lines.join('\n'));
}

function oneError(lines: string[]) {
  const { settings, errors } = parse(lines);
  assert.equal(errors.length, 1, errors.map(String).join('\n'));
  assert.equal(settings.fleet, undefined, 'a doubtful [fleet] must not join');
  return errors[0]!;
}

describe('[fleet] settings', () => {
  test('no [fleet] section means no fleet', () => {
    assert.equal(parse(['runlevel = 3']).settings.fleet, undefined);
  });

  test('reads every key, with the defaults for name and lease_ttl', () => {
    const { settings, errors } = parse([
      '[fleet]',
      'endpoints = ["https://10.0.0.1:2379", "https://etcd2.example:2379/"]',
      'labels = { role = "web", dc = "fra1" }',
      'tls_ca = "/etc/hearth/etcd-ca.pem"',
      'tls_cert = "/etc/hearth/etcd.pem"',
      'tls_key = "/etc/hearth/etcd.key"',
      'user = "host-web1"',
      'password_file = "/etc/hearth/etcd.password"',
    ]);
    assert.deepEqual(errors, []);
    assert.deepEqual(settings.fleet, {
      endpoints: ['https://10.0.0.1:2379', 'https://etcd2.example:2379'],
      name: hostname().split('.')[0],
      labels: { role: 'web', dc: 'fra1' },
      leaseTtlMs: 10_000,
      tlsCa: '/etc/hearth/etcd-ca.pem',
      tlsCert: '/etc/hearth/etcd.pem',
      tlsKey: '/etc/hearth/etcd.key',
      user: 'host-web1',
      passwordFile: '/etc/hearth/etcd.password',
    });
  });

  test('plain HTTP is accepted on loopback', () => {
    const { settings, errors } = parse(['[fleet]', 'endpoints = ["http://127.0.0.1:2379", "http://[::1]:2379", "http://localhost:2379"]', 'name = "web1"', 'lease_ttl = "3s"']);
    assert.deepEqual(errors, []);
    assert.equal(settings.fleet?.name, 'web1');
    assert.equal(settings.fleet?.leaseTtlMs, 3000);
  });

  test('plain HTTP to another machine is refused at the endpoints line', () => {
    const e = oneError(['[fleet]', 'name = "web1"', 'endpoints = ["http://10.0.0.1:2379"]']);
    assert.equal(e.line, 3);
    assert.equal(e.key, 'fleet.endpoints');
    assert.match(e.toString(), /^hearth\.toml:3: fleet endpoint "http:\/\/10\.0\.0\.1:2379" is plain HTTP/);
  });

  test('an endpoint that is not an etcd URL is named', () => {
    const bad = parse(['[fleet]', 'endpoints = ["https://10.0.0.1:2379/v3", "127.0.0.1:2379"]']);
    assert.deepEqual(bad.errors.map((e) => e.line), [2, 2]);
    assert.equal(bad.settings.fleet, undefined);
    assert.match(bad.errors[0]!.message, /"https:\/\/10\.0\.0\.1:2379\/v3" is not an etcd client URL/);
    const { errors } = parse(['[fleet]', 'endpoints = "http://127.0.0.1:2379"']);
    assert.match(String(errors[0]), /must be a list of 1 to 16 URLs/);
  });

  test('a [fleet] without endpoints names the section', () => {
    const e = oneError(['runlevel = 3', '', '[fleet]', 'name = "web1"']);
    assert.equal(e.code, 'ERR_CONFIG_MISSING');
    assert.equal(e.line, 3);
  });

  test('bad names and labels are named with their line', () => {
    const { errors } = parse([
      '[fleet]',
      'endpoints = ["http://127.0.0.1:2379"]',
      'name = "../web1"',
      '[fleet.labels]',
      'role = "web server"',
      'host = "x"',
      '"a/b" = "c"',
    ]);
    assert.deepEqual(
      errors.map((e) => [e.line, e.key]),
      [
        [3, 'fleet.name'],
        [5, 'fleet.labels.role'],
        [6, 'fleet.labels.host'],
        [7, 'fleet.labels."a/b"'],
      ],
    );
    assert.match(String(errors[2]), /"host" is reserved/);
  });

  test('lease_ttl outside 2s..1h, unknown keys and half pairs are errors', () => {
    const { errors } = parse([
      '[fleet]',
      'endpoints = ["https://10.0.0.1:2379"]',
      'lease_ttl = "500ms"',
      'lease_tll = "10s"',
      'tls_cert = "/c.pem"',
      'user = "u"',
    ]);
    assert.deepEqual(
      errors.map((e) => [e.line, e.key, e.code]),
      [
        [3, 'fleet.lease_ttl', 'ERR_CONFIG_VALUE'],
        [4, 'fleet.lease_tll', 'ERR_CONFIG_UNKNOWN_KEY'],
        [5, 'fleet.tls_cert', 'ERR_CONFIG_VALUE'],
        [6, 'fleet.user', 'ERR_CONFIG_VALUE'],
      ],
    );
    assert.match(String(errors[1]), /did you mean "lease_ttl"/);
  });

  test('a password written inline is refused without being echoed', () => {
    const e = oneError(['[fleet]', 'endpoints = ["http://127.0.0.1:2379"]', 'name = "a"', 'password = "hunter2"']);
    assert.equal(e.line, 4);
    assert.doesNotMatch(e.toString(), /hunter2/);
    assert.match(e.toString(), /password_file/);
  });

  test('[fleet] must be a table', () => {
    const { errors } = parse(['fleet = 3']);
    assert.match(String(errors[0]), /^hearth\.toml:1: \[fleet\] must be a table/);
  });
});
