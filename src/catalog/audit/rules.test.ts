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
          { name: 'telnet', kind: 'inetd', running: true, enabled: true, asRoot: true, inetd: { port: 23, protocol: 'tcp', onlyFrom: true, bind: '127.0.0.1' } },
          { name: 'chargen-dgram', kind: 'inetd', running: true, enabled: true, asRoot: true, inetd: { port: 19, protocol: 'udp', onlyFrom: true, bind: '127.0.0.1' } },
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

  test('missing logger, time sync and cron are each a low finding; hearth\'s own syslog counts as a logger', () => {
    assert.deepEqual(ids({ processNames: [] }), ['low missing-essential', 'low missing-essential', 'low missing-essential']);
    assert.equal(ids({ processNames: [], hearthSyslog: true }).length, 2);
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
