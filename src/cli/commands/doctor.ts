import { HearthClient, type DaemonInfo } from '../../client/index.js';
import { describeError } from '../../errors/index.js';
import type { ServiceStatus } from '../../model/index.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { ColorName } from '../output.js';

/** Doctor must answer even when hearthd hangs: each question gets this long. */
const ASK_TIMEOUT_MS = 3000;

const MARK: Record<string, [string, ColorName]> = { ok: ['ok', 'green'], info: ['info', 'dim'], warn: ['warn', 'yellow'], fail: ['FAIL', 'red'] };

export const doctor: Command = {
  name: 'doctor',
  summary: 'what this host gives hearth and what it does not, each with its fix',
  usage: 'doctor [--json]',
  description:
    'Checks the native helpers, whether hearthd answers and as which user, PID 1 and its reaper, process\n' +
    'tracking (cgroups), the control socket and its mode, the config dir, the journal\'s size and free\n' +
    'space, and the ports hearthd listens on. Exit 1 when something failed, else 0 (warnings included).',
  async run(ctx) {
    const { diagnose } = await import('../doctor/index.js');
    const { hearthVersion } = await import('../run-cli.js');
    const client = new HearthClient({ socketPath: ctx.socketPath, timeoutMs: ASK_TIMEOUT_MS });
    let info: DaemonInfo | undefined;
    let services: ServiceStatus[] | undefined;
    let unreachable: string | undefined;
    try {
      info = await client.info();
      services = await client.list().catch(() => undefined);
    } catch (e) {
      unreachable = e instanceof Error ? e.message : describeError(e);
    }
    const report = diagnose({ version: hearthVersion(), socketPath: ctx.socketPath, ...(info ? { info } : {}), ...(services ? { services } : {}), ...(unreachable ? { unreachable } : {}) });
    const failed = report.checks.some((c) => c.status === 'fail');
    if (ctx.json) {
      ctx.out.json(report);
      return failed ? EXIT.FAILURE : EXIT.OK;
    }
    const width = Math.max(...report.checks.map((c) => c.id.length));
    for (const c of report.checks) {
      const [word, color] = MARK[c.status]!;
      ctx.out.line(`${ctx.out.paint(color, word.padEnd(4))}  ${c.id.padEnd(width)}  ${c.summary}`);
      const indent = ' '.repeat(width + 8);
      for (const d of c.details ?? []) ctx.out.line(`${indent}${d}`);
      if (c.fix && c.status !== 'ok') ctx.out.line(`${indent}${ctx.out.paint('bold', 'fix:')} ${c.fix}`);
    }
    const count = (s: string) => report.checks.filter((c) => c.status === s).length;
    ctx.out.line(`${count('ok')} ok, ${count('warn')} warning${count('warn') === 1 ? '' : 's'}, ${count('fail')} failed`);
    return failed ? EXIT.FAILURE : EXIT.OK;
  },
};
