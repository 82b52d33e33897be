import { HearthError } from '../../errors/index.js';
import { didYouMean } from '../../model/index.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { commandHelp, overview } from '../help-text.js';

export const help: Command = {
  name: 'help',
  summary: 'show help for hearth or one command',
  usage: 'help [COMMAND]',
  async run(ctx) {
    const [name] = ctx.args;
    if (name === undefined) {
      ctx.out.line(overview(ctx.commands));
      return EXIT.OK;
    }
    const cmd = ctx.commands.find((c) => c.name === name || c.aliases?.includes(name));
    if (!cmd) {
      const hint = didYouMean(name, ctx.commands.map((c) => c.name));
      throw new HearthError('ERR_USAGE', `unknown command "${name}"`, { hint: hint ?? 'see "hearth help" for the list' });
    }
    ctx.out.line(commandHelp(cmd));
    return EXIT.OK;
  },
};
