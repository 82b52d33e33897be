import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { stateColor, uptime } from '../format.js';

export const list: Command = {
  name: 'list',
  aliases: ['ls'],
  summary: 'list services with their state',
  usage: 'list [--json]',
  description: 'Broken definitions are listed too, with state "broken" and their first error.',
  async run(ctx) {
    const services = await ctx.client().list();
    if (ctx.json) {
      ctx.out.json(services);
      return EXIT.OK;
    }
    if (services.length === 0) {
      ctx.out.line('no services defined');
      return EXIT.OK;
    }
    const now = Date.now();
    const rows = services.map((s) => [
      s.name,
      s.state,
      s.pid === null ? '-' : String(s.pid),
      uptime(s, now),
      String(s.restarts),
      s.state === 'broken' && s.errors?.[0] ? s.errors[0] : s.description,
    ]);
    ctx.out.table(['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'DESCRIPTION'], rows, (row, col, padded) => {
      const s = services[row]!;
      if (col === 1) return ctx.out.paint(stateColor(s.state), padded);
      if (col === 5 && s.state === 'broken') return ctx.out.paint('red', padded);
      return padded;
    });
    return EXIT.OK;
  },
};
