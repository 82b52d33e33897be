import { chkconfigArgumentError } from '../../runlevels/chkconfig-args.js';
import type { Command } from '../command.js';

/** The --level value given, if any (chkconfig also takes --levels and --level=LEVELS). */
function levelArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return undefined;
    const m = /^--levels?(?:=(.*))?$/.exec(a);
    if (m) return m[1] ?? argv[i + 1];
  }
  return undefined;
}

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
    const levels = levelArgument(ctx.rawArgs);
    // A line chkconfig cannot parse is answered here, the same as hearthd would, even with hearthd down.
    const { hearthVersion } = await import('../run-cli.js');
    const r = chkconfigArgumentError(ctx.rawArgs, hearthVersion()) ?? (await ctx.client().chkconfig(ctx.rawArgs));
    // chkconfig answers a bad level with its usage text alone; say first what was wrong with it.
    if (levels !== undefined && !/^[0-6]+$/.test(levels) && r.exitCode !== 0) {
      ctx.out.raw('', `${ctx.programName}: invalid runlevel${levels.length > 1 ? 's' : ''} "${levels}": runlevels are the digits 0 to 6, as in --level 35\n`);
    }
    ctx.out.raw(r.stdout, r.stderr);
    return r.exitCode;
  },
};
