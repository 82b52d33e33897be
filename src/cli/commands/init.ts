import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

/** telinit N: switch runlevels, in order, and wait until the switch is complete. */
export const init: Command = {
  name: 'init',
  aliases: ['telinit'],
  summary: 'switch to runlevel N: stop what is not enabled there, start what is (in order)',
  usage: 'init N [--no-block] [--json]',
  description: '0 stops everything, 1 is single-user, 2-5 multi-user, 6 stops everything then starts the default level. Returns when the switch is complete; --no-block returns at once.',
  options: { 'no-block': { type: 'boolean', description: 'return at once, without waiting for the switch' } },
  async run(ctx) {
    const [arg, ...extra] = ctx.args;
    if (arg === undefined || extra.length > 0 || !/^[0-6sS]$/.test(arg)) {
      ctx.out.error(`${ctx.programName}: usage: ${ctx.programName === 'telinit' ? 'telinit' : 'hearth init'} N (a runlevel from 0 to 6)${arg !== undefined ? `; got "${[arg, ...extra].join(' ')}"` : ''}`);
      return EXIT.USAGE;
    }
    const level = /^[sS]$/.test(arg) ? 1 : Number(arg);
    const block = ctx.values['no-block'] !== true;
    if (block && !ctx.json) ctx.out.line(`Switching to runlevel ${level}...`);
    const r = await ctx.client().switchRunlevel(level, block);
    if (ctx.json) {
      ctx.out.json(r);
      return r.failed.length ? EXIT.FAILURE : EXIT.OK;
    }
    if (!block) {
      ctx.out.line(`Switching to runlevel ${level} in the background`);
      return EXIT.OK;
    }
    for (const n of r.stopped) ctx.out.line(`  stopped  ${n}`);
    for (const n of r.started) ctx.out.line(`  started  ${n}`);
    for (const f of r.failed) ctx.out.error(`  FAILED   ${f.name}: ${f.error}`);
    ctx.out.line(`Runlevel ${r.previous ?? 'N'} -> ${r.current ?? 'unknown'}`);
    return r.failed.length ? EXIT.FAILURE : EXIT.OK;
  },
};
