import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { FIXTURE_BIN, eventually, freePortBase, serviceProcesses } from './helpers/index.js';

interface Row {
  name: string;
  state: string;
  pid: number | null;
  restarts: number;
}

const rows = (d: RunningDaemon): Row[] => JSON.parse(d.cli('list', '--json').stdout) as Row[];
const row = (d: RunningDaemon, name: string) => rows(d).find((r) => r.name === name)!;


describe('hearthd survives its own death', () => {
  test('kill -9 of hearthd: running services are adopted with the same pid, none twice, none lost, no log line lost', async () => {
    let d = await startDaemon({
      'services/steady.toml': 'exec = ["/bin/sleep", "1000"]\nrestart = "always"\n',
      'services/writer.toml': `exec = ["${join(FIXTURE_BIN, 'counter')}", "0.005"]\n`,
      'services/parked.toml': 'exec = ["/bin/sleep", "1001"]\n',
      'services/victim.toml': 'exec = ["/bin/sleep", "1002"]\nrestart = "always"\n',
    });
    try {
      await eventually(() => rows(d).filter((r) => r.state === 'running').length === 4, 10_000, 'all running');
      assert.equal(d.cli('stop', 'parked').code, 0);
      const before = Object.fromEntries(rows(d).map((r) => [r.name, r]));

      await d.crash();
      // While hearthd is down: the writer keeps writing, the victim dies.
      process.kill(before.victim!.pid!, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 500));

      d = await d.restart();
      assert.equal(row(d, 'steady').pid, before.steady!.pid, 'steady adopted with the same pid');
      assert.equal(row(d, 'steady').state, 'running');
      assert.equal(row(d, 'writer').pid, before.writer!.pid, 'writer adopted with the same pid');
      assert.equal(row(d, 'parked').state, 'stopped', 'an operator stop holds across the crash');
      await eventually(() => row(d, 'victim').state === 'running' && row(d, 'victim').pid !== before.victim!.pid, 5000, 'victim restarted');
      for (const name of ['steady', 'writer', 'victim']) assert.equal(serviceProcesses(name, d.runtimeDir).length, 1, `exactly one ${name}`);
      assert.equal(serviceProcesses('parked', d.runtimeDir).length, 0);

      // The adopted writer's death is noticed promptly although it is not hearthd's child.
      const writerPid = row(d, 'writer').pid!;
      await new Promise((r) => setTimeout(r, 300));
      process.kill(writerPid, 'SIGKILL');
      await eventually(() => row(d, 'writer').pid !== writerPid, 3000, 'adopted death noticed');

      // Every number the writer printed, before, during and after the gap, is in its log, in order.
      const numbers = d
        .cli('logs', 'writer', '--json', '-n', '100000')
        .stdout.trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { text: string }).text)
        .map((t) => /^n=(\d+)$/.exec(t))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => Number(m[1]));
      const firstRun = numbers.slice(0, numbers.indexOf(1, 1) > 0 ? numbers.indexOf(1, 1) : numbers.length);
      assert.ok(firstRun.length > 100, `the writer wrote across the crash (${firstRun.length} lines)`);
      firstRun.forEach((n, i) => assert.equal(n, i + 1, `line n=${i + 1} missing or out of order`));
    } finally {
      await d.stop();
    }
  });
});

describe('the super-server after a crash', () => {
  test('inetd listeners are back within a second of the new hearthd starting', async () => {
    const offset = await freePortBase([13]);
    let d = await startDaemon({
      'hearth.toml': `[inetd]\nport_offset = ${offset}\n`,
      'xinetd.d/daytime': 'service daytime\n{\n\ttype = INTERNAL\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tdisable = no\n}\n',
    });
    const { connect } = await import('node:net');
    const daytime = () =>
      new Promise<string>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: offset + 13 });
        let data = '';
        s.on('data', (x) => (data += x));
        s.on('end', () => resolve(data));
        s.on('error', reject);
      });
    try {
      // The control socket answers before the boot has opened the listeners.
      await eventually(() => daytime().then((t) => /\d{4}/.test(t), () => false), 10_000, 'daytime up');
      await d.crash();
      const t0 = Date.now();
      d = await d.restart();
      await eventually(() => daytime().then((t) => /\d{4}/.test(t)), 5000, 'daytime back');
      assert.ok(Date.now() - t0 < 5000);
      const r = rows(d).find((x) => x.name === 'xinetd')!;
      assert.equal(r.state, 'running');
    } finally {
      await d.stop();
    }
  });
});
