import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, freePortBase, exchange } from './helpers/index.js';

interface Row {
  name: string;
  kind: string;
  state: string;
}

describe('hearthd with an xinetd.d', () => {
  let d: RunningDaemon;
  // Ports below 1024 shift by port_offset; the external service uses a port of its own.
  let offset = 0;
  let catPort = 0;

  before(async () => {
    offset = await freePortBase([13, 1500]);
    catPort = offset + 1500;
    d = await startDaemon({
      'hearth.toml': `[inetd]\nport_offset = ${offset}\n`,
      'xinetd.d/daytime': '# default: on\n# description: daytime\nservice daytime\n{\n\ttype = INTERNAL\n\tid = daytime-stream\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tdisable = no\n\tcps = 20 1\n}\n',
      'xinetd.d/cat': `service cat\n{\n\ttype = UNLISTED\n\tsocket_type = stream\n\tprotocol = tcp\n\tport = ${catPort}\n\twait = no\n\tserver = /bin/cat\n\tdisable = no\n\tlog_on_success = PID HOST\n}\n`,
      'xinetd.d/bad': 'service bad\n{\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = maybe\n}\n',
      'services/plain.toml': 'exec = ["/bin/sleep", "1000"]\n',
    });
    // The control socket answers before the boot has opened the listeners and started the services.
    await eventually(() => {
      const r = rows();
      return ['xinetd', 'cat', 'plain'].every((n) => r.find((x) => x.name === n)?.state === 'running');
    }, 10_000, 'the boot to finish');
  });
  after(() => d?.stop());

  const rows = (): Row[] => JSON.parse(d.cli('list', '--json').stdout) as Row[];

  test('the super-server is a service named xinetd, and inetd services are listed with their kind', () => {
    const r = rows();
    assert.equal(r.find((x) => x.name === 'xinetd')?.state, 'running');
    assert.equal(r.find((x) => x.name === 'daytime-stream')?.kind, 'inetd');
    assert.equal(r.find((x) => x.name === 'cat')?.state, 'running');
    assert.equal(r.find((x) => x.name === 'plain')?.state, 'running');
  });

  test('internal daytime answers on its port shifted by port_offset', async () => {
    const text = await exchange(offset + 13);
    assert.match(text, /^\d{2} [A-Z]{3} \d{4} \d{2}:\d{2}:\d{2} /);
  });

  test('an external per-connection server gets the socket as stdin/stdout and is counted and logged', async () => {
    assert.equal(await exchange(catPort, 'hello cat\n'), 'hello cat\n');
    const status = JSON.parse(d.cli('status', 'cat', '--json').stdout) as { extra: { served: number } };
    assert.ok(status.extra.served >= 1);
    await eventually(() => d.cli('logs', 'cat').stdout.includes('START: cat'), 5000, 'connection log');
  });

  test('a bad value disables only its service and the message names file:line', () => {
    const r = d.cli('check');
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /xinetd\.d\/bad:\d+/);
    assert.equal(rows().find((x) => x.name === 'cat')?.state, 'running');
  });

  test('stopping xinetd closes every inetd listener; starting it brings them back', async () => {
    assert.equal(d.cli('stop', 'xinetd').code, 0);
    await assert.rejects(exchange(offset + 13));
    assert.equal(d.cli('start', 'xinetd').code, 0);
    assert.match(await exchange(offset + 13), /\d{4}/);
  });

  test('reload keeps a live connection of an unchanged service', async () => {
    const s = connect({ host: '127.0.0.1', port: catPort });
    await new Promise((r) => s.once('connect', r));
    let got = '';
    s.on('data', (x) => (got += x));
    // An unrelated change: add a native service.
    writeFileSync(join(d.configDir, 'services/extra.toml'), 'exec = ["/bin/sleep", "1000"]\n');
    // (reload-config exits 1 here: xinetd.d/bad still has an error, which it reports.)
    assert.match(d.cli('reload-config').stdout, /extra/);
    s.write('still here\n');
    await eventually(() => got === 'still here\n', 5000, 'echo after reload');
    s.end();
  });

  test('a bounded flood beyond instances, per_source and cps never stops the control API', async () => {
    const flood = async () => {
      const attempts = Array.from({ length: 300 }, () => exchange(offset + 13).catch(() => ''));
      return Promise.all(attempts);
    };
    const running = flood();
    for (let i = 0; i < 5; i++) assert.equal(d.cli('list', '--json').code, 0, 'control API answers during the flood');
    await running;
    const status = JSON.parse(d.cli('status', 'daytime-stream', '--json').stdout) as { extra: { served: number; refused: Record<string, number> } };
    // Past the cps limit the listener is closed for the pause (as xinetd does), so some attempts
    // are refused by the kernel; the ones hearth saw are served or counted by reason. cps 20
    // trips within two seconds however slowly this machine makes connections today.
    assert.ok(status.extra.served >= 20, `served ${status.extra.served}`);
    assert.ok((status.extra.refused.cps ?? 0) >= 1, `refused by cps: ${JSON.stringify(status.extra.refused)}`);
  });

  test('chkconfig-style off/on through the disable line is honoured on reload', async () => {
    const file = join(d.configDir, 'xinetd.d/cat');
    writeFileSync(file, readFileSync(file, 'utf8').replace('disable = no', 'disable = yes'));
    d.cli('reload-config');
    await assert.rejects(exchange(catPort, 'x'));
    assert.equal(rows().find((x) => x.name === 'cat')?.state, 'stopped');
  });
});
