import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describePortHolders, describeProcess, ipBytes, listenerCovers, listenersReachedAt, parseTcpListeners, pidsHolding, tcpListeners } from './port-holders.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
// Rows as a little-endian kernel prints them: 127.0.0.1:8080 and 0.0.0.0:8080 listening, one connection on 8080.
const TCP = [
  HEADER,
  '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0000000000000000 100 0 0 10 0',
  '   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 100 0 0 10 0',
  '   2: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 333 1 0000000000000000 20 4 30 10 -1',
  '   3: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 444 1 0000000000000000 100 0 0 10 0',
].join('\n');
// ::1 port 8080 listening.
const TCP6 = [HEADER, '   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 555 1 0000000000000000 100 0 0 10 0'].join('\n');

const text = (a: Uint8Array) => Buffer.from(a).toString('hex');

describe('port holders', () => {
  test('LISTEN rows on the port are read with their address; connections and other ports are not', () => {
    const found = parseTcpListeners(TCP, 8080, 4, true);
    assert.deepEqual(found.map((l) => l.inode), [111, 222]);
    assert.equal(text(found[0]!.address), text(ipBytes('127.0.0.1')!));
    assert.equal(text(found[1]!.address), text(ipBytes('0.0.0.0')!));
    const six = parseTcpListeners(TCP6, 8080, 6, true);
    assert.deepEqual(six.map((l) => [l.inode, text(l.address)]), [[555, text(ipBytes('::1')!)]]);
  });

  test('a big-endian kernel prints the address words in network order', () => {
    const be = TCP.replace('0100007F:1F90 00000000:0000 0A', '7F000001:1F90 00000000:0000 0A');
    assert.equal(text(parseTcpListeners(be, 8080, 4, false)[0]!.address), text(ipBytes('127.0.0.1')!));
  });

  test('addresses in text: IPv4, IPv6 with ::, an embedded IPv4, a zone; nonsense is refused', () => {
    assert.equal(text(ipBytes('::1')!), '00000000000000000000000000000001');
    assert.equal(text(ipBytes('::ffff:10.0.0.1')!), text(ipBytes('10.0.0.1')!));
    assert.equal(text(ipBytes('fe80::1%eth0')!), 'fe800000000000000000000000000001');
    assert.equal(text(ipBytes('2001:db8:0:0:0:0:0:1')!), text(ipBytes('2001:db8::1')!));
    for (const bad of ['localhost', '1.2.3.256', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', '']) assert.equal(ipBytes(bad), undefined, bad);
  });

  test('a listener covers its own address and its family\'s wildcard; IPv6 :: covers IPv4 too', () => {
    const l = (addr: string) => ({ inode: 1, port: 1, address: ipBytes(addr)! });
    const v4 = ipBytes('127.0.0.1')!;
    const v6 = ipBytes('::1')!;
    assert.ok(listenerCovers(l('127.0.0.1'), v4));
    assert.ok(listenerCovers(l('0.0.0.0'), v4));
    assert.ok(listenerCovers(l('::'), v4));
    assert.ok(listenerCovers(l('::'), v6));
    assert.ok(!listenerCovers(l('0.0.0.0'), v6));
    assert.ok(!listenerCovers(l('10.0.0.1'), v4));
    assert.ok(!listenerCovers(l('::1'), v4));
  });

  test('a real listener of this process is found, attributed to it and described by its command line', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const listeners = tcpListeners(port).filter((l) => listenerCovers(l, ipBytes('127.0.0.1')!));
      assert.equal(listeners.length, 1);
      const inodes = new Set(listeners.map((l) => l.inode));
      assert.deepEqual(pidsHolding(inodes, [process.pid, process.ppid]), [process.pid]);
      assert.match(describeProcess(process.pid), new RegExp(`^pid ${process.pid} \\(.*node`));
      assert.match(describePortHolders(inodes), new RegExp(`pid ${process.pid} \\(`));
      assert.deepEqual(listenersReachedAt(port, ipBytes('127.0.0.1')!).map((l) => l.inode), [...inodes]);
      assert.deepEqual(listenersReachedAt(port, ipBytes('127.0.0.2')!), [], 'a listener on 127.0.0.1 takes no connection to 127.0.0.2');
    } finally {
      server.close();
    }
  });

  test('a holder that cannot be found is named as such', () => {
    assert.match(describePortHolders(new Set([1])), /a process hearthd cannot see/);
  });
});
