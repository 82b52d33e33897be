import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SYSTEM_BUS, missingBus, missingWatcher, systemBusAddress } from './bus-name-watch.js';

test('the system bus address: DBUS_SYSTEM_BUS_ADDRESS when set and not blank, else the standard socket', () => {
  assert.equal(systemBusAddress({}), DEFAULT_SYSTEM_BUS);
  assert.equal(systemBusAddress({ DBUS_SYSTEM_BUS_ADDRESS: '  ' }), DEFAULT_SYSTEM_BUS);
  assert.equal(systemBusAddress({ DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/x/bus' }), 'unix:path=/x/bus');
});

test('missingBus: a unix path with no socket is missing; a socket, or an address hearth cannot check, is not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-bus-'));
  try {
    const sock = join(dir, 'bus sock');
    const file = join(dir, 'plain');
    writeFileSync(file, '');
    assert.match(missingBus(`unix:path=${join(dir, 'none')}`) ?? '', /there is no socket at .*none/);
    assert.match(missingBus(`unix:path=${file}`) ?? '', /no socket/, 'a plain file is not a bus');
    const server = createServer();
    await new Promise<void>((r) => server.listen(sock, r));
    // Escaped as D-Bus addresses escape bytes; a guid after the path is allowed.
    assert.equal(missingBus(`unix:path=${sock.replace(' ', '%20')},guid=0123`), undefined);
    assert.equal(missingBus(`unix:path=${join(dir, 'none')};unix:path=${sock.replace(' ', '%20')}`), undefined, 'any listed socket will do');
    await new Promise<void>((r) => server.close(() => r()));
    assert.equal(missingBus('unix:abstract=/tmp/dbus-x'), undefined);
    assert.equal(missingBus('tcp:host=localhost,port=1'), undefined);
    assert.match(missingBus('') ?? '', /no bus address/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('missingWatcher: gdbus is looked up among the tools, and its absence names the package', () => {
  assert.match(missingWatcher(() => null) ?? '', /gdbus is not installed \(Debian package libglib2\.0-bin\)/);
  assert.equal(missingWatcher((name) => (name === 'gdbus' ? '/usr/bin/gdbus' : null)), undefined);
});
