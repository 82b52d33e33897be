import type { Command, CommandContext } from '../command.js';
import { EXIT } from '../exit-codes.js';

async function setEnabled(ctx: CommandContext, on: boolean): Promise<number> {
  const levelText = ctx.values.level as string | undefined;
  const levels = levelText === undefined ? undefined : /^[0-6]+$/.test(levelText) ? [...new Set([...levelText].map(Number))].sort() : undefined;
  if (levelText !== undefined && levels === undefined) {
    ctx.out.error(`${ctx.programName}: --level must be digits 0-6 such as 2345, got "${levelText}"`);
    return EXIT.USAGE;
  }
  if (ctx.args.length === 0) {
    ctx.out.error(`${ctx.programName}: usage: hearth ${on ? 'enable' : 'disable'} NAME… [--level LEVELS]`);
    return EXIT.USAGE;
  }
  let code: number = EXIT.OK;
  for (const name of ctx.args) {
    try {
      const r = await ctx.client().setEnabled(name, levels, on);
      if (ctx.json) ctx.out.json(r);
      else ctx.out.line(`${name}: ${r.enabled !== undefined ? (r.enabled ? 'on' : 'off') : r.levels ? r.levels.map((v, i) => `${i}:${v ? 'on' : 'off'}`).join(' ') : 'in no runlevel'}`);
    } catch (e) {
      ctx.out.error(`${ctx.programName}: ${(e as Error).message}${(e as { hint?: string }).hint ? ` (${(e as { hint?: string }).hint})` : ''}`);
      code = EXIT.FAILURE;
    }
  }
  return code;
}

const options = { level: { type: 'string' as const, valueName: 'LEVELS', description: 'runlevels to change, e.g. 35 (default: the service\'s own default levels; for disable, every level)' } };

export const enable: Command = {
  name: 'enable',
  summary: 'start a service in its runlevels (or --level LEVELS) from now on',
  usage: 'enable NAME… [--level LEVELS] [--json]',
  options,
  run: (ctx) => setEnabled(ctx, true),
};

export const disable: Command = {
  name: 'disable',
  summary: 'take a service out of every runlevel (or --level LEVELS)',
  usage: 'disable NAME… [--level LEVELS] [--json]',
  options,
  run: (ctx) => setEnabled(ctx, false),
};
