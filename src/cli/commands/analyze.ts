import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AnalyzedTransition } from '../../client/index.js';
import { formatTimestamp } from '../../model/index.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

/** "boot into runlevel 3 at 2026-12-04 19:07:04 CET", or "switch from 3 to 5 at …". */
export function transitionTitle(t: AnalyzedTransition): string {
  const what = t.boot === true ? `boot into runlevel ${t.level}` : t.boot === false ? `switch ${t.previous != null ? `from runlevel ${t.previous} ` : ''}to ${t.level}` : `runlevel ${t.level}`;
  const began = t.at ?? t.stop.startedAt;
  return `${what} at ${formatTimestamp(began, { zone: true })}`;
}

/** Like systemd-analyze: over the boot by default, or over the last runlevel switch with --last. */
export const analyze: Command = {
  name: 'analyze',
  summary: 'the boot (or, with --last, the last runlevel switch): blame, critical-chain, plot FILE.svg',
  usage: 'analyze [blame | critical-chain [NAME] | plot FILE.svg] [--last] [--json]',
  description:
    'The boot is the first entry into the default runlevel since hearthd (or the machine) started, as systemd-analyze shows it.\n' +
    '--last looks at the most recent runlevel switch instead ("hearth init N").',
  options: { last: { type: 'boolean', description: 'the last runlevel switch instead of the boot' } },
  async run(ctx) {
    const [what = 'blame', arg] = ctx.args;
    const which = ctx.values.last === true ? 'last' : 'boot';
    const t = await ctx.client().analyze(which);
    if (!t) {
      ctx.out.error(
        which === 'boot'
          ? `${ctx.programName}: nothing to analyze yet: no boot has been recorded ("hearth analyze --last" shows the last runlevel switch)`
          : `${ctx.programName}: nothing to analyze yet: no runlevel switch has been recorded`,
      );
      return EXIT.FAILURE;
    }
    const { blame, formatBlame, criticalChain, formatCriticalChain, renderPlotSvg } = await import('../../runlevels/index.js');
    const report = t.start.units.length > 0 ? t.start : t.stop;
    if (what === 'blame') {
      const entries = blame(report);
      if (ctx.json) ctx.out.json(entries);
      else ctx.out.raw(formatBlame(entries));
      return EXIT.OK;
    }
    if (what === 'critical-chain') {
      const chain = criticalChain(report, arg);
      if (ctx.json) ctx.out.json(chain);
      else ctx.out.raw(formatCriticalChain(chain));
      return EXIT.OK;
    }
    if (what === 'plot') {
      if (!arg) {
        ctx.out.error(`${ctx.programName}: usage: hearth analyze plot FILE.svg [--last]`);
        return EXIT.USAGE;
      }
      const file = resolve(ctx.cwd, arg);
      writeFileSync(file, renderPlotSvg(report, { title: `hearth: ${transitionTitle(t)}` }));
      ctx.out.line(`wrote ${file}`);
      return EXIT.OK;
    }
    ctx.out.error(`${ctx.programName}: unknown analysis "${what}" (blame, critical-chain, plot)`);
    return EXIT.USAGE;
  },
};
