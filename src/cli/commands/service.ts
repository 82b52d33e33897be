import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { HearthError } from '../../errors/index.js';

const ACTIONS = ['start', 'stop', 'restart', 'reload', 'force-reload', 'status', 'condrestart', 'try-restart'];

/**
 * service(8): `service NAME ACTION` for native services and SysV scripts
 * alike, and `service --status-all` with Debian's " [ + ]  name" lines.
 */
export const service: Command = {
  name: 'service',
  summary: 'classic service(8): service NAME start|stop|restart|reload|status|condrestart, --status-all',
  usage: 'service NAME ACTION | service --status-all',
  rawArgs: true,
  async run(ctx) {
    const args = ctx.rawArgs;
    const client = ctx.client();
    if (args[0] === '--status-all') {
      const rows = await client.list();
      for (const s of rows.filter((r) => r.kind !== 'inetd').sort((a, b) => a.name.localeCompare(b.name))) {
        const mark = s.state === 'running' || s.state === 'starting' ? '+' : s.state === 'broken' ? '?' : '-';
        if (mark === '?') ctx.out.raw('', ` [ ? ]  ${s.name}\n`);
        else ctx.out.raw(` [ ${mark} ]  ${s.name}\n`);
      }
      return EXIT.OK;
    }
    const [name, action, ...rest] = args;
    if (name === undefined || action === undefined || rest.length > 0 || name.startsWith('-')) {
      ctx.out.error(`Usage: ${ctx.programName === 'service' ? 'service' : 'hearth service'} < option > | --status-all | [ service_name [ command | --full-restart ] ]`);
      return EXIT.USAGE;
    }
    const verb = action === '--full-restart' ? 'restart' : action;
    if (!ACTIONS.includes(verb)) {
      ctx.out.error(`Usage: ${name} {${ACTIONS.join('|')}}`);
      return EXIT.USAGE;
    }
    try {
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
      // An init script's own words ("Starting sleeperd: ok"), as service(8) shows them.
      const printed = (r as { output?: unknown } | undefined)?.output;
      if (typeof printed === 'string' && printed !== '') ctx.out.raw(printed.endsWith('\n') ? printed : `${printed}\n`);
      if (!r?.ok) {
        ctx.out.error(`${name}: ${r?.error?.message ?? 'failed'}`);
        return r?.error?.code === 'ERR_UNKNOWN_SERVICE' ? EXIT.UNKNOWN_SERVICE : EXIT.FAILURE;
      }
      return EXIT.OK;
    } catch (e) {
      if (e instanceof HearthError && e.code === 'ERR_UNKNOWN_SERVICE') {
        ctx.out.error(`${name}: unrecognized service${e.hint ? ` (${e.hint})` : ''}`);
        return EXIT.UNKNOWN_SERVICE;
      }
      throw e;
    }
  },
};
