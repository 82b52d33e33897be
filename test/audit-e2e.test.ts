import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { freePortBase } from './helpers/index.js';

interface Finding {
  id: string;
  severity: string;
  service?: string;
  evidence: string;
}

describe('hearth audit against a real hearthd and live sockets', () => {
  let d: RunningDaemon;
  let open: Server;
  let openPort = 0;

  before(async () => {
    const offset = await freePortBase([19, 23]);
    d = await startDaemon({
      'hearth.toml': `[inetd]\nport_offset = ${offset}\n`,
      'xinetd.d/chargen': 'service chargen\n{\n\ttype = INTERNAL\n\tid = chargen-stream\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tdisable = no\n}\n',
      'services/sloppy.toml': 'exec = ["/bin/sleep", "1000"]\n',
      // An external server per connection: hearth-acceptor holds this port along with hearthd.
      'xinetd.d/cat': 'service cat\n{\n\ttype = UNLISTED\n\tport = 23\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tserver = /bin/cat\n\tdisable = no\n}\n',
    });
    chmodSync(join(d.configDir, 'services/sloppy.toml'), 0o666);
    open = createServer();
    await new Promise<void>((r) => open.listen(0, '0.0.0.0', r));
    openPort = (open.address() as { port: number }).port;
  });
  after(async () => {
    open?.close();
    await d?.stop();
  });

  const findings = (): Finding[] => {
    const r = d.cli('audit', '--json');
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
  };

  test('an enabled chargen is a risky service, open to all, and its port is seen as hearthd\'s', () => {
    const f = findings();
    assert.ok(f.some((x) => x.id === 'risky-service' && x.service === 'chargen-stream' && x.severity === 'high'));
    assert.ok(f.some((x) => x.id === 'inetd-open-to-all' && x.service === 'chargen-stream'));
    assert.ok(f.some((x) => x.id === 'public-listener' && x.service === 'chargen-stream'), 'the listener is attributed to the inetd service');
  });

  test('hearth\'s own roles count: hearthd is the cron; the per-connection service\'s port is its own', () => {
    const f = findings();
    assert.ok(!f.some((x) => x.id === 'missing-essential' && /cron/.test(x.evidence)), 'hearthd runs timers and crontabs: it is a cron');
    const cat = f.find((x) => x.id === 'public-listener' && / 0\.0\.0\.0:\d+/.test(x.evidence) && x.service === 'cat');
    assert.ok(cat, JSON.stringify(f.filter((x) => x.id === 'public-listener')));
    assert.ok(!f.some((x) => x.id === 'public-listener' && !x.service && /hearth-acceptor|hearthd/.test(x.evidence)), 'nothing of hearth\'s is "not managed by hearth"');
  });

  test('a world-writable service file is found with the chmod that fixes it', () => {
    const w = findings().find((x) => x.id === 'world-writable' && x.service === 'sloppy');
    assert.ok(w);
    assert.match(w.evidence, /sloppy\.toml has mode 0666/);
  });

  test('a listener hearth does not manage is reported with the process holding it', () => {
    const l = findings().find((x) => x.id === 'public-listener' && x.evidence.includes(`:${openPort} `));
    assert.ok(l, `port ${openPort}`);
    assert.match(l.evidence, new RegExp(`held by pid ${process.pid} `));
    assert.match(l.evidence, /not managed by hearth/);
  });

  test('the table groups by severity with evidence and fix; --fail-on sets the exit code', () => {
    const r = d.cli('audit');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^HIGH \(\d+\)$/m);
    assert.match(r.stdout, /^ +evidence: /m);
    assert.match(r.stdout, /^ +fix: +chmod o-w /m);
    assert.equal(d.cli('audit', '--fail-on', 'high').code, 1);
    assert.equal(d.cli('audit', '--fail-on', 'critical').code, 0);
    const bad = d.cli('audit', '--fail-on', 'severe');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--fail-on must be one of info, low, medium, high, critical/);
  });
});
