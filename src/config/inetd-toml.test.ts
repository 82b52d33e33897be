import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'smol-toml';
import { parseInetdToml } from './inetd-toml.js';
import { parseEtcServices } from './etc-services.js';

const SERVICES = parseEtcServices('echo 7/tcp\n');

function load(text: string) {
  const lines = text.split('\n');
  const lineOf = (key: string) => {
    const i = lines.findIndex((l) => l.trimStart().startsWith(`${key} `) || l.trimStart().startsWith(`${key}=`));
    return i >= 0 ? i + 1 : undefined;
  };
  return parseInetdToml('demo', 'services/demo.toml', parse(text) as Record<string, unknown>, lineOf, SERVICES);
}

describe('native TOML inetd services', () => {
  test('xinetd attributes in TOML spelling become the same model', () => {
    const r = load([
      'type = "inetd"',
      'description = "cat per connection"',
      'socket_type = "stream"',
      'wait = false',
      'port = 8007',
      'server = "/bin/cat"',
      'server_args = ["-u", "two words"]',
      'only_from = ["127.0.0.1", "10.0.0.0/8"]',
      'flags = "NODELAY KEEPALIVE"',
      'instances = 10',
      'per_source = "UNLIMITED"',
      'cps = [100, 2]',
      'env = { LANG = "C" }',
      'inetd_type = ["UNLISTED"]',
      'umask = "022"',
    ].join('\n'));
    assert.deepEqual(r.errors.map(String), []);
    const s = r.service;
    assert.equal(s.description, 'cat per connection');
    assert.equal(s.protocol, 'tcp');
    assert.equal(s.wait, false);
    assert.equal(s.port, 8007);
    assert.deepEqual(s.serverArgs, ['-u', 'two words'], 'array elements are never re-split');
    assert.deepEqual(s.onlyFrom!.map((p) => p.text), ['127.0.0.1', '10.0.0.0/8']);
    assert.deepEqual(s.flags, ['NODELAY', 'KEEPALIVE']);
    assert.equal(s.instances, 10);
    assert.equal(s.perSource, undefined);
    assert.deepEqual(s.cps, { rate: 100, pauseSeconds: 2 });
    assert.deepEqual(s.env, { LANG: 'C' });
    assert.deepEqual(s.types, ['UNLISTED']);
    assert.equal(s.umask, 0o22);
    assert.equal(s.disabled, false);
  });

  test('an unknown key warns with its line; a bad value disables the service with file:line', () => {
    const r = load('type = "inetd"\nsocket_type = "stream"\nwait = "perhaps"\nport = 8007\nserver = "/bin/cat"\nonly_form = ["x"]\n');
    assert.match(String(r.warnings[0]), /^services\/demo\.toml:6: unknown attribute "only_form", ignored \(did you mean "only_from"\?\)/);
    assert.equal(r.service.disabled, true);
    assert.match(r.service.errors[0]!, /^services\/demo\.toml:3: service "demo": "wait" must be yes or no, got "perhaps"/);
  });
});
