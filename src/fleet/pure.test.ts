/** The fleet's pure pieces: selectors, reports, line diffs, backoff, fleet.toml, RBAC rendering. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSelector, matchesHost, parseSelector } from './selector.js';
import { decodeReport, encodeReport, type HostReport } from './report.js';
import { diffLines } from './line-diff.js';
import { Backoff } from './backoff.js';
import { parseFleetToml, pathProblem, unitsOf } from './bundle.js';
import { printRoles, renderRoles } from './rbac.js';
import { EtcdClient, prefixEnd } from './etcd-client.js';

describe('selectors', () => {
  test('match labels (all pairs), the implicit host label, and "*"', () => {
    const labels = { role: 'web', dc: 'fra1' };
    assert.equal(matchesHost(parseSelector('role=web'), 'web1', labels), true);
    assert.equal(matchesHost(parseSelector('role=web,dc=ams1'), 'web1', labels), false);
    assert.equal(matchesHost(parseSelector('host=web1'), 'web1', labels), true);
    assert.equal(matchesHost(parseSelector('host=web2'), 'web1', labels), false);
    assert.equal(matchesHost(parseSelector('*'), 'db1', {}), true);
  });

  test('have one spelling, whatever the order or spacing', () => {
    assert.equal(formatSelector(parseSelector(' role = web , dc=fra1')), 'dc=fra1,role=web');
  });

  test('bad selectors are usage errors quoting the text', () => {
    for (const bad of ['', 'role', 'role=web=x', 'a/b=c', 'role=web,role=db', 'role=we b']) {
      assert.throws(() => parseSelector(bad), (e: Error) => e.message.includes(JSON.stringify(bad)), bad);
    }
  });
});

describe('host reports', () => {
  test('round-trip through the compact encoding', () => {
    const report: HostReport = {
      at: 1234,
      units: [
        { name: 'web', kind: 'native', state: 'running', enabled: [2, 3, 4, 5], pids: 3, restarts: 1, findings: 0 },
        { name: 'telnet', kind: 'inetd', state: 'failed', enabled: [], pids: 0, restarts: 5, findings: 2, lastFailure: { at: 99, reason: 'exit 1' } },
      ],
      conflicts: [{ unit: 'web', bundle: 'role=web', winner: 'local' }],
      applied: { hash: 'abc', revision: 7, bundles: { 'role=web': 3 } },
    };
    assert.deepEqual(decodeReport(encodeReport(report)), report);
  });

  test('a 50-unit host fits in a few KiB, and reasons are cut', () => {
    const units = Array.from({ length: 50 }, (_, i) => ({ name: `service-${i}`, kind: 'native', state: 'running', enabled: [2, 3, 4, 5], pids: 1, restarts: 0, findings: 0, lastFailure: { at: 1, reason: 'x'.repeat(1000) } }));
    const text = encodeReport({ at: Date.now(), units, conflicts: [] });
    assert.ok(Buffer.byteLength(text) < 50 * 250, `${Buffer.byteLength(text)} bytes`);
    assert.equal(decodeReport(text)!.units[0]!.lastFailure!.reason.length, 160);
  });

  test('anything else decodes to undefined', () => {
    assert.equal(decodeReport('{"v":2,"u":[]}'), undefined);
    assert.equal(decodeReport('not json'), undefined);
  });
});

describe('line diff', () => {
  test('keeps changed lines with context', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].join('\n');
    const after = ['a', 'b', 'c', 'D', 'e', 'f', 'g', 'h'].join('\n');
    assert.deepEqual(
      diffLines(before, after, 1).map((l) => l.op + l.text),
      [' c', '+D', '-d', ' e', ' g', '+h'],
    );
  });
});

describe('backoff', () => {
  test('doubles to the cap, with jitter inside the bounds, and resets', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0, random: () => 0.5 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 800, 1000]);
    b.reset();
    assert.equal(b.next(), 100);
    const j = new Backoff({ initialMs: 100, jitter: 0.5, random: () => 0 });
    assert.equal(j.next(), 50);
  });
});

describe('fleet dir rules', () => {
  test('only the config-dir layout is accepted, and names cannot climb out', () => {
    assert.equal(pathProblem('services/web.toml'), undefined);
    assert.equal(pathProblem('xinetd.d/daytime'), undefined);
    assert.equal(pathProblem('fleet.toml'), undefined);
    assert.match(pathProblem('services/web.conf')!, /must end in \.toml/);
    assert.match(pathProblem('services/../x.toml')!, /has no place|not a valid/);
    assert.match(pathProblem('../etc/passwd')!, /has no place/);
    assert.match(pathProblem('hearth.toml')!, /has no place/);
  });

  test('unit names come from file names, xinetd service lines and inetd.conf', () => {
    assert.deepEqual(
      unitsOf({
        'services/web.toml': '',
        'init.d/cron': '',
        'xinetd.d/both': 'service daytime\n{\n}\n  service echo\n{\n}\n',
        'inetd.conf': '# comment\nchargen stream tcp nowait root internal\n127.0.0.1:time stream tcp nowait root internal\n',
        'fleet.toml': 'runlevel = 3',
      }),
      ['chargen', 'cron', 'daytime', 'echo', 'time', 'web'],
    );
  });

  test('fleet.toml: runlevel and enablement, errors with their line', () => {
    const ok = parseFleetToml('fleet.toml', 'runlevel = 5\n[enable]\nweb = [5, 3, 3]\ntelnet = []\n');
    assert.deepEqual(ok, { runlevel: 5, enable: { web: [3, 5], telnet: [] }, errors: [] });
    const bad = parseFleetToml('fleet.toml', 'runlevel = 9\n[enable]\nweb = [7]\nlevel = 3\n');
    assert.deepEqual(bad.errors.map((e) => e.toString()), [
      'fleet.toml:1: "runlevel" must be an integer between 0 and 6, got 9',
      'fleet.toml:3: "enable.web" must be a list of runlevels 0-6 such as [2, 3, 4, 5], or [] for off',
      'fleet.toml:4: "enable.level" must be a list of runlevels 0-6 such as [2, 3, 4, 5], or [] for off',
    ]);
  });
});

describe('RBAC roles', () => {
  test('each host role writes only its own prefix and reads desired state and its requests', () => {
    const cmds = printRoles({ hosts: ['web1'] }).map((c) => c.argv.join(' '));
    assert.ok(cmds.includes('role grant-permission hearth-host-web1 --prefix=true readwrite /hearth/hosts/web1/'));
    assert.ok(cmds.includes('role grant-permission hearth-host-web1 --prefix=true read /hearth/desired/'));
    assert.ok(cmds.includes('role grant-permission hearth-host-web1 --prefix=true read /hearth/control/web1/'));
    assert.ok(cmds.includes('role grant-permission hearth-admin --prefix=true readwrite /hearth/'));
    assert.equal(cmds.filter((c) => c.includes('web1') && c.includes('readwrite')).length, 1);
  });

  test('renders as etcdctl lines with comments, and refuses a host name that could escape its prefix', () => {
    const text = renderRoles(printRoles({ hosts: ['web1'], enableAuth: true }));
    assert.match(text, /^# etcd needs a root user/m);
    assert.match(text, /^etcdctl user add hearth-host-web1 --interactive=false$/m);
    assert.match(text, /^etcdctl auth enable$/m);
    assert.throws(() => printRoles({ hosts: ['web1/../web2'] }), /cannot name a fleet host/);
  });
});

test('prefixEnd is the first key after the prefix', () => {
  assert.equal(Buffer.from(prefixEnd('/a/'), 'base64').toString(), '/a0');
});

test('clients start on a member picked at random, so a fleet spreads over the members; startAt pins one', () => {
  const endpoints = ['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:3'];
  const clients = Array.from({ length: 60 }, () => new EtcdClient({ endpoints }));
  const first = new Set(clients.map((c) => c.endpoint));
  for (const c of clients) c.close();
  // 60 picks all landing on one member: a chance of 3 in 3^60.
  assert.equal(first.size, 3, `60 clients started on ${[...first].join(', ')}`);
  const pinned = new EtcdClient({ endpoints, startAt: 2 });
  assert.equal(pinned.endpoint, endpoints[2]);
  pinned.close();
});
