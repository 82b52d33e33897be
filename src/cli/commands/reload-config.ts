import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { printProblems } from './report.js';

export const reloadConfig: Command = {
  name: 'reload-config',
  summary: 're-read the config dir: start new services, restart changed ones, stop removed ones',
  usage: 'reload-config [--json]',
  description: 'A config with errors leaves the running definitions in place; the errors are printed and the exit code is 1.',
  async run(ctx) {
    const report = await ctx.client().reloadConfig();
    const failed = !report.ok || report.errors.length > 0;
    if (ctx.json) {
      ctx.out.json(report);
      return failed ? EXIT.FAILURE : EXIT.OK;
    }
    const part = (label: string, names: string[]): string => `${names.length} ${label}${names.length ? ` (${names.join(', ')})` : ''}`;
    ctx.out.line(
      `${report.configDir}: ${[part('added', report.added), part('changed', report.changed), part('removed', report.removed)].join(', ')}, ${report.unchanged.length} unchanged`,
    );
    printProblems(ctx, report);
    if (failed) ctx.out.error(`${ctx.programName}: config has errors; running definitions were kept where they failed`);
    return failed ? EXIT.FAILURE : EXIT.OK;
  },
};
