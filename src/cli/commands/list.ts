import { describeExit, exitedCleanly, formatBytes, formatTimestamp, type ServiceStatus } from '../../model/index.js';
import type { Command, CommandContext } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { stateColor, uptime } from '../format.js';
import type { Column } from '../table.js';

// On a narrow terminal the description is cut first, then these go in this
// order (restarts, tasks, uptime, memory, pid; then the description itself):
// name and state stay.
const SERVICE_COLUMNS: Column[] = [
  { header: 'NAME', shrink: 'last', min: 8 },
  { header: 'STATE' },
  { header: 'PID', align: 'right', drop: 4 },
  { header: 'TASKS', align: 'right', drop: 1 },
  { header: 'MEMORY', align: 'right', drop: 3 },
  { header: 'UPTIME', drop: 2 },
  { header: 'RESTARTS', align: 'right', drop: 0 },
  { header: 'DESCRIPTION', shrink: 'first', min: 16, drop: 5 },
];

const TIMER_COLUMNS: Column[] = [
  { header: 'TIMER', shrink: 'last', min: 8 },
  { header: 'STATE' },
  { header: 'SCHEDULE', drop: 3 },
  { header: 'NEXT', drop: 5 },
  { header: 'LAST', drop: 2 },
  { header: 'RESULT', drop: 1 },
  { header: 'DESCRIPTION', shrink: 'first', min: 16, drop: 4 },
];

export const list: Command = {
  name: 'list',
  aliases: ['ls'],
  summary: 'list services with their state (timers in a table of their own)',
  usage: 'list [--json]',
  description:
    'Broken definitions are listed too, with state "broken" and their first error.\n' +
    'On a terminal the table fits its width: descriptions are cut with "…" and the least useful columns go first; piped, every cell is whole.',
  async run(ctx) {
    const all = await ctx.client().list();
    if (ctx.json) {
      ctx.out.json(all);
      return EXIT.OK;
    }
    if (all.length === 0) {
      ctx.out.line('no services defined');
      return EXIT.OK;
    }
    const now = Date.now();
    const services = all.filter((s) => s.kind !== 'timer');
    const timers = all.filter((s) => s.kind === 'timer');
    if (services.length > 0) printServices(ctx, services, now);
    if (services.length > 0 && timers.length > 0) ctx.out.line();
    if (timers.length > 0) printTimers(ctx, timers, now);
    return EXIT.OK;
  },
};

/** A broken definition shows its first error where the description would be, in red. */
function describe(s: ServiceStatus): string {
  return s.state === 'broken' && s.errors?.[0] ? s.errors[0] : s.description;
}

function printServices(ctx: CommandContext, services: ServiceStatus[], now: number): void {
  // Tasks and memory are the whole unit's (every process it started), where hearthd tracks units by cgroup.
  const rows = services.map((s) => [
    s.name,
    s.state,
    s.pid === null ? '-' : String(s.pid),
    s.tasks ? String(s.tasks) : '-',
    s.memoryBytes !== undefined && s.tasks ? formatBytes(s.memoryBytes) : '-',
    uptime(s, now),
    String(s.restarts),
    describe(s),
  ]);
  ctx.out.table(SERVICE_COLUMNS, rows, (row, col, padded) => paintState(ctx, services[row]!, col, padded, 7));
}

function printTimers(ctx: CommandContext, timers: ServiceStatus[], now: number): void {
  const when = (t: number | null | undefined) => (t ? formatTimestamp(t, { today: now }) : '-');
  const rows = timers.map((s) => {
    const last = s.lastRun ? describeExit(s.lastRun) : '-';
    const result = s.failures ? `${last}, ${s.failures} failed` : last;
    return [s.name, s.state, s.schedule ?? '-', when(s.nextRun), when(s.lastRun?.at), result, describe(s)];
  });
  ctx.out.table(TIMER_COLUMNS, rows, (row, col, padded) => {
    const s = timers[row]!;
    if (col === 5 && (s.failures || (s.lastRun && !exitedCleanly(s.lastRun)))) return ctx.out.paint('red', padded);
    return paintState(ctx, s, col, padded, 6);
  });
}

function paintState(ctx: CommandContext, s: ServiceStatus, col: number, padded: string, descriptionCol: number): string {
  if (col === 1) return ctx.out.paint(stateColor(s.state), padded);
  if (col === descriptionCol && s.state === 'broken') return ctx.out.paint('red', padded);
  return padded;
}
