import { HearthError } from '../../errors/index.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

/** ntsysv(8): the full-screen form that sets which services start in the given runlevels. */
export const ntsysv: Command = {
  name: 'ntsysv',
  summary: 'full-screen form: which services start automatically (--level LEVELS, default 2345)',
  usage: 'ntsysv [--level LEVELS] [--back]',
  description:
    'Space toggles a service, Tab moves to Ok/Cancel, F1 describes the selected service, F12 is Ok.\n' +
    '/ searches; s, t, r start, stop or restart the selected service (after a y/n question).\n' +
    'Changes are made only on Ok. Exit: 0 saved, 1 cancelled, 2 nothing to manage or a change failed.',
  options: {
    level: { type: 'string', valueName: 'LEVELS', description: 'runlevels to edit, e.g. 35 (default 2345)' },
    back: { type: 'boolean', description: 'label the second button Back instead of Cancel (exit 1 either way)' },
  },
  async run(ctx) {
    const levelText = (ctx.values.level as string | undefined) ?? '2345';
    if (!/^[0-6]+$/.test(levelText)) throw new HearthError('ERR_USAGE', `bad argument to --level: "${levelText}" (digits 0-6, e.g. 35)`);
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      throw new HearthError('ERR_USAGE', 'ntsysv needs a terminal', { hint: 'use "hearth chkconfig" or "hearth enable" in scripts' });
    }
    const levels = [...new Set([...levelText].map(Number))].sort((a, b) => a - b);
    const { runNtsysv } = await import('../../tui/index.js');
    const result = await runNtsysv(ctx.client(), { levels, back: ctx.values.back === true }, { input: process.stdin, output: process.stdout, env: ctx.env });
    for (const e of result.errors) ctx.out.error(`${ctx.programName}: ${e}`);
    return result.code === 0 ? EXIT.OK : result.code;
  },
};
