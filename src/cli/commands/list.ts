import type { ServiceStatus } from '../../model/index.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { stateColor, uptime } from '../format.js';

/** A timer's line: its schedule, when it runs next, how the last run went. */
function timerText(s: ServiceStatus, now: number): string {
  const when = (t: number) => {
    const d = new Date(t);
    return Math.abs(t - now) < 86_400_000 ? d.toLocaleTimeString() : d.toLocaleString();
  };
  const parts = [`[${s.schedule ?? 'timer'}]`];
  if (s.nextRun) parts.push(`next ${when(s.nextRun)}`);
  if (s.lastRun) parts.push(`last ${when(s.lastRun.at)} ${s.lastRun.signal ? `killed by ${s.lastRun.signal}` : `exit ${s.lastRun.code}`}`);
  if (s.failures) parts.push(`${s.failures} failed`);
  return `${parts.join(', ')}${s.description ? ` - ${s.description}` : ''}`;
}

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
      s.state === 'broken' && s.errors?.[0] ? s.errors[0] : s.kind === 'timer' ? timerText(s, now) : s.description,
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
