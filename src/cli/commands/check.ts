import { resolve } from 'node:path';
import type { ConfigReport } from '../../client/index.js';
import { HearthError } from '../../errors/index.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { checkOffline } from '../check-offline.js';
import { printProblems } from './report.js';

export const check: Command = {
  name: 'check',
  summary: 'validate a config dir without starting anything',
  usage: 'check [--config-dir DIR] [--json]',
  description:
    'Without --config-dir the running hearthd checks its own config dir. With it, hearthd checks DIR,\n' +
    'or, when no hearthd is reachable, hearth loads DIR itself. Errors print one per line, compiler-style;\n' +
    'the exit code is 1 when there are any.',
  options: {
    'config-dir': { type: 'string', valueName: 'DIR', description: 'the config dir to check (default: the running hearthd\'s)' },
  },
  async run(ctx) {
    const raw = ctx.values['config-dir'];
    const dir = typeof raw === 'string' ? resolve(ctx.cwd, raw) : undefined;
    let report: ConfigReport;
    try {
      report = await ctx.client().check(dir);
    } catch (e) {
      if (!(e instanceof HearthError && e.code === 'ERR_DAEMON_UNREACHABLE')) throw e;
      if (dir === undefined) {
        throw new HearthError('ERR_DAEMON_UNREACHABLE', e.message, { hint: 'pass --config-dir DIR to check a config dir without hearthd' });
      }
      report = await checkOffline(dir);
    }
    if (ctx.json) ctx.out.json(report);
    else {
      printProblems(ctx, report);
      const n = report.errors.length;
      const w = report.warnings.length;
      const problems = [n ? `${n} error${n === 1 ? '' : 's'}` : '', w ? `${w} warning${w === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
      ctx.out.line(`${report.configDir}: ${report.services.length} service${report.services.length === 1 ? '' : 's'}, ${problems || 'no problems'}`);
    }
    return report.ok && report.errors.length === 0 ? EXIT.OK : EXIT.FAILURE;
  },
};
