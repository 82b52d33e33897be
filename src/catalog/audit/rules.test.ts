import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { audit } from './rules.js';
import { parseProcNet } from './proc-net.js';
import type { AuditInput } from './types.js';

const BASE: AuditInput = { services: [], listeners: [], files: [], processNames: ['rsyslogd', 'chronyd', 'cron'], hearthUid: 0, hearthSyslog: false };
const ids = (input: Partial<AuditInput>) => audit({ ...BASE, ...input }).map((f) => `${f.severity} ${f.id} ${f.service ?? ''}`.trim());

describe('audit rules', () => {
  test('an enabled cleartext login is critical; an amplifier high; a disabled one nothing', () => {
    assert.deepEqual(
      ids({
        services: [
          { name: 'telnet', kind: 'inetd', running: true, enabled: true, asRoot: true, inetd: { port: 23, protocol: 'tcp', onlyFrom: true } },
          { name: 'chargen-dgram', kind: 'inetd', running: true, enabled: true, asRoot: true, inetd: { port: 19, protocol: 'udp', onlyFrom: true, bind: '0.0.0.0' } },
          { name: 'echo-stream', kind: 'inetd', running: false, enabled: false, asRoot: true, inetd: { port: 7, protocol: 'tcp', onlyFrom: false } },
        ],
      }),
      ['critical cleartext-login telnet', 'high risky-service chargen-dgram'],
    );
  });

  test('listeners off loopback are reported with their owner, hearth-managed or not', () => {
    const f = audit({
      ...BASE,
      listeners: [
        { protocol: 'tcp', address: '0.0.0.0', port: 8080, inode: 1, pid: 42, command: 'node', uid: 1000 },
        { protocol: 'tcp6', address: '::1', port: 9000, inode: 2 },
      ],
    });
    assert.equal(f.length, 1);
    assert.equal(f[0]!.id, 'public-listener');
    assert.match(f[0]!.evidence, /tcp 0\.0\.0\.0:8080 held by pid 42 \(node\), uid 1000, not managed by hearth/);
  });

  test('a root service on the network, an inetd service open to all, unsafe files', () => {
    const found = ids({
      services: [
        { name: 'web', kind: 'service', running: true, enabled: true, asRoot: true },
        { name: 'cat', kind: 'inetd', running: true, enabled: true, asRoot: false, inetd: { port: 9999, protocol: 'tcp', onlyFrom: false } },
      ],
      listeners: [{ protocol: 'tcp', address: '0.0.0.0', port: 80, inode: 3, pid: 7, service: 'web' }],
      files: [
        { path: '/etc/hearth/services/web.toml', role: 'service file', service: 'web', mode: 0o100666, uid: 0 },
        { path: '/usr/local/bin/app', role: 'executable', service: 'web', mode: 0o100755, uid: 1000 },
      ],
    });
    assert.deepEqual(found, ['high world-writable web', 'medium foreign-owner web', 'medium inetd-open-to-all cat', 'medium public-listener web', 'medium root-network-service web']);
  });

  test('a risky service bound to loopback is only a low finding: the network cannot reach it', () => {
    const f = audit({
      ...BASE,
      services: [{ name: 'echo-stream', kind: 'inetd', running: true, enabled: true, asRoot: false, inetd: { port: 7, protocol: 'tcp', onlyFrom: false, bind: '127.0.0.1' } }],
    });
    assert.deepEqual(f.map((x) => `${x.severity} ${x.id}`), ['low risky-service']);
    assert.match(f[0]!.evidence, /^running on 127\.0\.0\.1 only; /);
  });

  test('missing logger, time sync and cron are each a low finding, unless hearthd fills the role', () => {
    const titles = (input: Partial<AuditInput>) => audit({ ...BASE, ...input }).map((f) => f.title);
    assert.deepEqual(titles({ processNames: [], hearthRoles: [] }), ['no system logger is running', 'no time synchronisation is running', 'no cron is running']);
    // hearthd runs timers, crontabs and at jobs itself: it is the machine's cron.
    assert.deepEqual(titles({ processNames: [] }), ['no system logger is running', 'no time synchronisation is running']);
    assert.deepEqual(titles({ processNames: [], hearthSyslog: true }), ['no time synchronisation is running']);
  });

  test('a port held by hearth\'s acceptor (or by hearthd) is its inetd service\'s, not "not managed by hearth"', () => {
    const cat = { name: 'cat', kind: 'inetd' as const, running: true, enabled: true, asRoot: false, inetd: { port: 12323, protocol: 'tcp', onlyFrom: true } };
    const held = (holders: Array<{ pid: number; command?: string }>, hearthPids?: number[]) =>
      audit({ ...BASE, services: [cat], listeners: [{ protocol: 'tcp', address: '0.0.0.0', port: 12323, inode: 9, pid: holders[0]!.pid, command: holders[0]!.command ?? '?', holders }], ...(hearthPids ? { hearthPids } : {}) })
        .filter((f) => f.id === 'public-listener')
        .map((f) => f.service ?? f.evidence);
    assert.deepEqual(held([{ pid: 300, command: 'hearth-acceptor' }, { pid: 400, command: 'node' }]), ['cat']);
    assert.deepEqual(held([{ pid: 300, command: 'sleepy' }], [300]), ['cat'], 'hearthd named by pid');
    const other = held([{ pid: 301, command: 'nc' }]);
    assert.match(other[0]!, /held by pid 301 \(nc\).*not managed by hearth/);
  });
});

describe('/proc/net parsing', () => {
  test('TCP LISTEN and bound UDP sockets, IPv4 and IPv6, with inode and uid', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0 100 0 0 10 0',
      '   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 112 1 0 100 0 0 10 0',
      '   2: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 113 1 0 20 4 30 10 -1',
    ].join('\n');
    assert.deepEqual(parseProcNet(tcp, 'tcp').map((l) => [l.address, l.port, l.inode, l.uid]), [
      ['127.0.0.1', 8080, 111, 1000],
      ['0.0.0.0', 22, 112, 0],
    ]);
    const tcp6 = [
      'header',
      '   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 200 1 0',
      '   1: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 201 1 0',
    ].join('\n');
    assert.deepEqual(parseProcNet(tcp6, 'tcp6').map((l) => l.address), ['::', '::1']);
    const udp = ['header', '   0: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 300 2 0 0'].join('\n');
    assert.deepEqual(parseProcNet(udp, 'udp').map((l) => [l.address, l.port]), [['0.0.0.0', 53]]);
  });
});
