import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { printProblems } from './report.js';

export const reloadConfig: Command = {
  name: 'reload-config',
  summary: 're-read the config dir: start new services, restart changed ones, stop removed ones',
  usage: 'reload-config [--json]',
  description: 'A config with errors leaves the running definitions in place; the errors are printed and the exit code is 1.',
  async run(ctx) {
    const failed = (report: { ok: boolean; errors: unknown[] }) => !report.ok || report.errors.length > 0;
    if (ctx.json) {
      const report = await ctx.client().reloadConfig();
      ctx.out.json(report);
      return failed(report) ? EXIT.FAILURE : EXIT.OK;
    }
    // The full report lists every unit (160 KB at 10,000 services): only --json prints it, so only --json asks for it.
    const report = await ctx.client().reloadConfigBriefly();
    const part = (label: string, names: string[]): string => `${names.length} ${label}${names.length ? ` (${names.join(', ')})` : ''}`;
    ctx.out.line(
      `${report.configDir}: ${[part('added', report.added), part('changed', report.changed), part('removed', report.removed)].join(', ')}, ${report.unchangedCount} unchanged`,
    );
    printProblems(ctx, report);
    if (failed(report)) ctx.out.error(`${ctx.programName}: config has errors; running definitions were kept where they failed`);
    return failed(report) ? EXIT.FAILURE : EXIT.OK;
  },
};
