import type { Command } from '../command.js';

/**
 * chkconfig, with its own syntax and output byte for byte. The arguments are
 * evaluated by hearthd (where the enablement lives); this only prints.
 */
export const chkconfig: Command = {
  name: 'chkconfig',
  summary: 'classic chkconfig: --list, --add, --del, --level LEVELS NAME on|off|reset',
  usage: 'chkconfig [--list [NAME]] [--add NAME] [--del NAME] [--override NAME] [--level LEVELS] [--type sysv|xinetd] NAME [on|off|reset|resetpriorities]',
  description: 'Sees native services and SysV scripts alike; for xinetd services, on/off rewrites the disable line and reloads the super-server. A bare "chkconfig NAME" answers by exit status: 0 when on in the current runlevel.',
  rawArgs: true,
  async run(ctx) {
    const r = await ctx.client().chkconfig(ctx.rawArgs);
    ctx.out.raw(r.stdout, r.stderr);
    return r.exitCode;
  },
};
