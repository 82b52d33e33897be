import type { Command, CommandContext } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { HearthError } from '../../errors/index.js';

/** The actions service(8) takes for native services; completion offers them too. */
export const SERVICE_ACTIONS = ['start', 'stop', 'restart', 'reload', 'force-reload', 'status', 'condrestart', 'try-restart'];

/**
 * service(8) as Debian ships it: `service NAME ACTION [OPTIONS…]` hands an
 * init script any action it knows (configtest, rotate, upgrade…), prints the
 * script's own output and returns its exit status; `--full-restart` is stop
 * then start; `--status-all` prints Debian's " [ + ]  name" lines. Native
 * services take the classic actions through hearthd.
 */
export const service: Command = {
  name: 'service',
  summary: 'classic service(8): service NAME ACTION [OPTIONS], --full-restart, --status-all',
  usage: 'service NAME ACTION [OPTIONS…] | service NAME --full-restart | service --status-all',
  rawArgs: true,
  async run(ctx) {
    const args = ctx.rawArgs;
    const client = ctx.client();
    const usage = `Usage: ${ctx.programName === 'service' ? 'service' : 'hearth service'} < option > | --status-all | [ service_name [ command | --full-restart ] ]`;
    if (args[0] === '--status-all' && args.length === 1) {
      const rows = await client.list();
      for (const s of rows.filter((r) => r.kind !== 'inetd').sort((a, b) => a.name.localeCompare(b.name))) {
        const mark = s.state === 'running' || s.state === 'starting' ? '+' : s.state === 'broken' ? '?' : '-';
        if (mark === '?') ctx.out.raw('', ` [ ? ]  ${s.name}\n`);
        else ctx.out.raw(` [ ${mark} ]  ${s.name}\n`);
      }
      return EXIT.OK;
    }
    const [name, action = '', ...options] = args;
    if (name === undefined || name.startsWith('-')) {
      ctx.out.error(usage);
      return name === '--help' || name === '-h' ? EXIT.OK : EXIT.USAGE;
    }
    try {
      const kind = (await client.list()).find((s) => s.name === name)?.kind;
      if (kind === undefined) throw new HearthError('ERR_UNKNOWN_SERVICE', `unknown service "${name}"`);
      if (kind === 'sysv') return await passThrough(ctx, name, action, options);
      return await classic(ctx, name, action, options, usage);
    } catch (e) {
      if (e instanceof HearthError && e.code === 'ERR_UNKNOWN_SERVICE') {
        ctx.out.error(`${name}: unrecognized service`);
        return EXIT.FAILURE;
      }
      throw e;
    }
  },
};

/** An init script: every action goes to the script, as Debian's service runs it. */
async function passThrough(ctx: CommandContext, name: string, action: string, options: string[]): Promise<number> {
  const client = ctx.client();
  const steps: Array<[string, string[]]> = action === '--full-restart' && options.length === 0 ? [['stop', []], ['start', []]] : [[action, options]];
  let code = 0;
  for (const [verb, opts] of steps) {
    const r = await client.passThrough(name, verb, opts);
    if (!r) return EXIT.FAILURE;
    ctx.out.raw(r.stdout, r.stderr);
    code = r.exitCode;
  }
  return code;
}

/** A native service or another kind that knows only the classic actions. */
async function classic(ctx: CommandContext, name: string, action: string, options: string[], usage: string): Promise<number> {
  const client = ctx.client();
  const verb = action === '--full-restart' ? 'restart' : action;
  if (!SERVICE_ACTIONS.includes(verb) || options.length > 0) {
    ctx.out.error(action === '' ? usage : `Usage: ${name} {${SERVICE_ACTIONS.join('|')}}`);
    return EXIT.USAGE;
  }
  if (verb === 'status') {
    const s = await client.status(name);
    const running = s.state === 'running' || s.state === 'starting' || s.state === 'stopping';
    ctx.out.line(`${name} is ${running ? `running${s.pid ? ` (pid ${s.pid})` : ''}` : s.state}`);
    return running ? EXIT.OK : EXIT.NOT_RUNNING;
  }
  if (verb === 'condrestart' || verb === 'try-restart') {
    // Restart only what runs, as the classic condrestart did.
    const s = await client.status(name);
    if (s.state !== 'running') return EXIT.OK;
  }
  const op = verb === 'force-reload' ? 'reload' : verb === 'condrestart' || verb === 'try-restart' ? 'restart' : verb;
  const [r] = await client.action(op as 'start' | 'stop' | 'restart' | 'reload', [name]);
  if (!r?.ok) {
    ctx.out.error(`${name}: ${r?.error?.message ?? 'failed'}`);
    return r?.error?.code === 'ERR_UNKNOWN_SERVICE' ? EXIT.UNKNOWN_SERVICE : EXIT.FAILURE;
  }
  return EXIT.OK;
}
