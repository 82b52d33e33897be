import type { ServiceAction } from '../../client/index.js';
import { HearthError } from '../../errors/index.js';
import { isValidServiceName } from '../../model/index.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { stateColor } from '../format.js';

const PAST: Record<ServiceAction, string> = { start: 'started', stop: 'stopped', restart: 'restarted', reload: 'reloaded' };

/** start, stop, restart and reload share everything but the verb. */
export function actionCommand(action: ServiceAction, summary: string): Command {
  return {
    name: action,
    summary,
    usage: `${action} NAME… [--json]`,
    description: 'Prints one line per service; exits 1 if any of them failed (unknown names included).',
    async run(ctx) {
      if (ctx.args.length === 0) throw new HearthError('ERR_USAGE', `${action} needs at least one service NAME`, { hint: 'see "hearth list"' });
      const bad = ctx.args.find((n) => !isValidServiceName(n));
      if (bad !== undefined) throw new HearthError('ERR_USAGE', `invalid service name "${bad}"`);
      const results = await ctx.client().action(action, ctx.args);
      if (ctx.json) ctx.out.json(results);
      let failed = false;
      for (const r of results) {
        if (r.ok) {
          if (ctx.json) continue;
          const state = r.state ? ` (${ctx.out.paint(stateColor(r.state), r.state)})` : '';
          ctx.out.line(`${r.name}: ${PAST[action]}${state}`);
        } else {
          failed = true;
          const e = r.error;
          const text = e ? `${e.message}${e.hint ? ` (${e.hint})` : ''}` : 'failed';
          // Daemon messages usually name the service already ("cannot start "web": …").
          const prefix = text.includes(`"${r.name}"`) ? '' : `${r.name}: ${action} failed: `;
          ctx.out.error(`${ctx.programName}: ${prefix}${text}`);
        }
      }
      return failed ? EXIT.FAILURE : EXIT.OK;
    },
  };
}
