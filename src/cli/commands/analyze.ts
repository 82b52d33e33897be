import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

/** Like systemd-analyze, over the last boot or runlevel switch. */
export const analyze: Command = {
  name: 'analyze',
  summary: 'the last boot or runlevel switch: blame, critical-chain, plot FILE.svg',
  usage: 'analyze [blame | critical-chain [NAME] | plot FILE.svg] [--json]',
  async run(ctx) {
    const [what = 'blame', arg] = ctx.args;
    const last = await ctx.client().analyze();
    if (!last) {
      ctx.out.error(`${ctx.programName}: nothing to analyze yet: no boot or runlevel switch has been recorded`);
      return EXIT.FAILURE;
    }
    const { blame, formatBlame, criticalChain, formatCriticalChain, renderPlotSvg } = await import('../../runlevels/index.js');
    const report = last.start.units.length > 0 ? last.start : last.stop;
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
        ctx.out.error(`${ctx.programName}: usage: hearth analyze plot FILE.svg`);
        return EXIT.USAGE;
      }
      const file = resolve(ctx.cwd, arg);
      writeFileSync(file, renderPlotSvg(report, { title: `runlevel ${last.level}` }));
      ctx.out.line(`wrote ${file}`);
      return EXIT.OK;
    }
    ctx.out.error(`${ctx.programName}: unknown analysis "${what}" (blame, critical-chain, plot)`);
    return EXIT.USAGE;
  },
};
