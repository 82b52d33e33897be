import { HearthError } from '../../errors/index.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { SERVICE_ACTIONS } from './service.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;

/**
 * `hearth completion SHELL` prints the completion script for that shell,
 * made from the same command table as `hearth help`.
 */
export const completion: Command = {
  name: 'completion',
  summary: 'print the shell completion script for bash, zsh or fish',
  usage: 'completion bash|zsh|fish',
  description:
    'bash: hearth completion bash > /etc/bash_completion.d/hearth (or source it from ~/.bashrc).\n' +
    'zsh: hearth completion zsh > "${fpath[1]}/_hearth".  fish: hearth completion fish > ~/.config/fish/completions/hearth.fish.\n' +
    'Service names are completed from the running hearthd.',
  async run(ctx) {
    const shell = ctx.args[0];
    if (ctx.args.length !== 1 || !SHELLS.includes(shell as (typeof SHELLS)[number])) {
      throw new HearthError('ERR_USAGE', `completion: name one shell: ${SHELLS.join(', ')}${shell ? ` (got "${ctx.args.join(' ')}")` : ''}`);
    }
    const { completionSpec, bashCompletion, zshCompletion, fishCompletion } = await import('../completion/index.js');
    const { hearthVersion } = await import('../run-cli.js');
    const spec = completionSpec(ctx.commands, { service: SERVICE_ACTIONS });
    const render = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion }[shell as (typeof SHELLS)[number]];
    ctx.out.raw(render(spec, hearthVersion()));
    return EXIT.OK;
  },
};

/** Longest a completion may wait for hearthd: a shell must never hang on Tab. */
const ASK_TIMEOUT_MS = 1500;

/**
 * The completion scripts' question to hearth: `hearth __complete services`
 * prints one service name per line (nothing when hearthd is not there),
 * `__complete catalog` the catalog's daemons.
 */
export const complete: Command = {
  name: '__complete',
  summary: 'names for shell completion (used by the completion scripts)',
  usage: '__complete services|catalog',
  hidden: true,
  async run(ctx) {
    const what = ctx.args[0];
    if (what === 'catalog') {
      const { allDaemons } = await import('../../catalog/index.js');
      ctx.out.raw(allDaemons().map((d) => `${d.name}\n`).join(''));
      return EXIT.OK;
    }
    if (what !== 'services') throw new HearthError('ERR_USAGE', `__complete: "services" or "catalog", got "${what ?? ''}"`);
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ASK_TIMEOUT_MS).unref());
    const list = await Promise.race([ctx.client().list().catch(() => undefined), timeout]);
    ctx.out.raw((list ?? []).map((s) => `${s.name}\n`).join(''));
    return EXIT.OK;
  },
};
