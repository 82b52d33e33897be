import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, freePortBlock, tempDir } from './helpers/index.js';

function touch(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.on('data', () => undefined);
    s.on('close', () => resolve());
    s.on('error', () => resolve());
  });
}

interface Rec {
  text: string;
  stream: string;
  priority?: number;
  syslog?: { facility: number; appName?: string; procId?: string };
}

/**
 * log_type under hearthd: SYSLOG files the connection lines as syslog
 * records of that facility and level (what xinetd hands to syslog(3), with
 * "xinetd" as the identifier); FILE writes them to the file and hearth's
 * journal still has them.
 */
describe('hearthd: log_type SYSLOG and FILE', () => {
  let d: RunningDaemon;
  let base = 0;
  const files = tempDir('hearth-xlog-file-');
  const logFile = join(files.path, 'xinetd.log');

  before(async () => {
    base = await freePortBlock(2);
    const svc = (id: string, port: number, logType: string): string =>
      `service daytime\n{\n\ttype = INTERNAL UNLISTED\n\tid = ${id}\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tport = ${port}\n\tlog_type = ${logType}\n\tlog_on_success = PID HOST\n}\n`;
    d = await startDaemon({
      'xinetd.d/bysyslog': svc('bysyslog', base, 'SYSLOG local4 warning'),
      'xinetd.d/byfile': svc('byfile', base + 1, `FILE ${logFile}`),
    });
    // The control socket answers before the boot has opened the listeners.
    const listening = (name: string): boolean => (JSON.parse(d.cli('status', name, '--json').stdout || '{}') as { state?: string }).state === 'running';
    await eventually(() => listening('bysyslog') && listening('byfile'), 10_000, 'both services listening');
  });
  after(async () => {
    await d?.stop();
    files.cleanup();
  });

  const records = (name: string): Rec[] =>
    d.cli('logs', name, '--json').stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec);

  test('SYSLOG local4 warning: a syslog record of facility local4 at warning, from "xinetd"', async () => {
    await touch(base);
    const [r] = (await eventually(() => records('bysyslog').length > 0 && records('bysyslog'), 10_000, 'the START record')) as Rec[];
    assert.equal(r!.text, 'START: bysyslog pid=0 from=127.0.0.1');
    assert.equal(r!.stream, 'syslog');
    assert.equal(r!.priority, 4);
    assert.equal(r!.syslog?.facility, 20);
    assert.equal(r!.syslog?.appName, 'xinetd');
    assert.match(d.cli('logs', 'bysyslog', '--facility', 'local4').stdout, /START: bysyslog/);
    assert.equal(d.cli('logs', 'bysyslog', '--facility', 'daemon').stdout, '');
  });

  test('FILE: the line goes to the file in xinetd\'s format, and to the journal', async () => {
    await touch(base + 1);
    await eventually(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('START: byfile'), 10_000, 'the line in the file');
    assert.match(readFileSync(logFile, 'utf8'), /^\d{2}\/\d{1,2}\/\d{1,2}@\d{2}:\d{2}:\d{2}: START: byfile pid=0 from=127\.0\.0\.1\n$/);
    assert.match(d.cli('logs', 'byfile').stdout, /START: byfile pid=0 from=127\.0\.0\.1/);
  });
});
