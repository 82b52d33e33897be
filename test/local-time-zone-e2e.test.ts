/**
 * Local time as the C library gives it, in hearthd and in the CLI. xinetd's
 * daytime writes the local time with strftime's zone name; hearthd's must
 * read the same under any $TZ: both run under TZ=Europe/Paris (where the
 * JavaScript engine's en-US name would be "GMT+1") and a quoted POSIX rule
 * (where the engine's local time itself was off by hours), and their lines
 * must be identical (asked together, retried when a second ticks between).
 * `hearth status` under the same $TZ names the zone as date(1) does.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { runCli, startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, exchange, freePortBase } from './helpers/index.js';
import { hasXinetd, startXinetd } from './fixtures/xinetd/harness.js';

const block = (port: number) =>
  `service daytime\n{\n\ttype = INTERNAL UNLISTED\n\tid = daytime-stream\n\tsocket_type = stream\n\tprotocol = tcp\n\tuser = root\n\twait = no\n\tport = ${port}\n\tbind = 127.0.0.1\n\tdisable = no\n}\n`;

for (const tz of ['Europe/Paris', '<+0330>-3:30']) {
  describe(`daytime under TZ=${tz}`, { skip: hasXinetd ? false : 'xinetd is not installed' }, () => {
    let hearthd: RunningDaemon;
    let xinetd: Awaited<ReturnType<typeof startXinetd>>;
    let ports: [number, number];

    before(async () => {
      const base = await freePortBase([0, 1]);
      ports = [base, base + 1];
      const env = { ...process.env, TZ: tz };
      hearthd = await startDaemon({ 'xinetd.d/daytime': block(ports[0]) }, [], { env });
      xinetd = await startXinetd(`defaults\n{\n}\n${block(ports[1])}`, [ports[1]], env);
      await eventually(async () => /\d{4}/.test(await exchange(ports[0]).catch(() => '')), 10_000, 'hearthd to serve daytime');
    });
    after(async () => {
      await hearthd?.stop();
      await xinetd?.stop();
    });

    test('hearthd answers with the very line xinetd does', async () => {
      let lines: string[] = [];
      for (let attempt = 0; attempt < 5; attempt++) {
        lines = await Promise.all(ports.map((p) => exchange(p)));
        if (lines[0] === lines[1]) break;
      }
      assert.match(lines[1]!, /^\d\d [A-Z]{3} \d{4} \d\d:\d\d:\d\d \S+\r\n$/);
      assert.equal(lines[0], lines[1]);
    });

    test('hearth status names the zone of "since" as date(1) does', () => {
      const r = runCli(hearthd.socket, ['status', 'xinetd'], { ...process.env, TZ: tz });
      assert.equal(r.code, 0, r.stderr);
      const zone = execFileSync('date', ['+%Z'], { encoding: 'utf8', env: { PATH: process.env['PATH'], TZ: tz } }).trim();
      const since = /since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d (\S+);/.exec(r.stdout);
      assert.ok(since, r.stdout);
      assert.equal(since[1], zone);
    });
  });
}
