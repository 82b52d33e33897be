import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { reloadConfig } from './reload-config.js';

/** telinit N: switch runlevels, in order, and wait until the switch is complete. */
export const init: Command = {
  name: 'init',
  aliases: ['telinit'],
  summary: 'switch to runlevel N: stop what is not enabled there, start what is (in order)',
  usage: 'init N|q [--no-block] [--json]',
  description:
    '0 stops everything, 1 is single-user, 2-5 multi-user, 6 stops everything then starts the default level. Returns when the switch is complete; --no-block returns at once.\n' +
    'q or Q re-reads the configuration, as "telinit q" made init re-read inittab (the same as "hearth reload-config").',
  options: { 'no-block': { type: 'boolean', description: 'return at once, without waiting for the switch' } },
  async run(ctx) {
    const [arg, ...extra] = ctx.args;
    if ((arg === 'q' || arg === 'Q') && extra.length === 0) return reloadConfig.run(ctx);
    if (arg === undefined || extra.length > 0 || !/^[0-6sS]$/.test(arg)) {
      ctx.out.error(`${ctx.programName}: usage: ${ctx.programName === 'telinit' ? 'telinit' : 'hearth init'} N|q (a runlevel from 0 to 6, or q to re-read the configuration)${arg !== undefined ? `; got "${[arg, ...extra].join(' ')}"` : ''}`);
      return EXIT.USAGE;
    }
    const level = /^[sS]$/.test(arg) ? 1 : Number(arg);
    const block = ctx.values['no-block'] !== true;
    // Progress as it happens: each service's state change, from the event stream.
    const events = block && !ctx.json ? ctx.client().events() : undefined;
    const shown = new Set<string>();
    if (events) {
      await events.ready.catch(() => undefined);
      ctx.out.line(`Switching to runlevel ${level}...`);
      void (async () => {
        try {
          for await (const e of events) {
            if (e.type === 'service.state' && e.from !== e.to && ['running', 'stopped', 'failed'].includes(e.to)) {
              ctx.out.line(`  ${e.to.padEnd(8)} ${e.name}${e.detail ? ` (${e.detail})` : ''}`);
              shown.add(e.name);
            }
          }
        } catch {
          // the stream ends when the command does
        }
      })();
    }
    let r;
    try {
      r = await ctx.client().switchRunlevel(level, block);
      // Events travel on their own connection: let the last ones arrive before closing it.
      const expected = [...r.stopped, ...r.started];
      for (let waited = 0; events && waited < 1000 && !expected.every((n) => shown.has(n)); waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      events?.close();
    }
    if (ctx.json) {
      ctx.out.json(r);
      return r.failed.length ? EXIT.FAILURE : EXIT.OK;
    }
    if (!block) {
      ctx.out.line(`Switching to runlevel ${level} in the background`);
      return EXIT.OK;
    }
    for (const f of r.failed) ctx.out.error(`  FAILED   ${f.name}: ${f.error}`);
    ctx.out.line(`Runlevel ${r.previous ?? 'N'} -> ${r.current ?? 'unknown'}: ${r.stopped.length} stopped, ${r.started.length} started${r.failed.length ? `, ${r.failed.length} failed` : ''}`);
    return r.failed.length ? EXIT.FAILURE : EXIT.OK;
  },
};
