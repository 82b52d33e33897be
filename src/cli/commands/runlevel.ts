import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

/** runlevel(8): previous and current level, "N" for none ("N 3"). */
export const runlevel: Command = {
  name: 'runlevel',
  summary: 'print the previous and current runlevel ("N 3")',
  usage: 'runlevel [--json]',
  async run(ctx) {
    const info = await ctx.client().info();
    if (ctx.json) {
      ctx.out.json({ previous: info.previousRunlevel, current: info.runlevel });
      return EXIT.OK;
    }
    if (info.runlevel === null) {
      ctx.out.line('unknown');
      return EXIT.FAILURE;
    }
    ctx.out.line(`${info.previousRunlevel ?? 'N'} ${info.runlevel}`);
    return EXIT.OK;
  },
};
