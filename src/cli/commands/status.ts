import type { ServiceDetail } from '../../client/index.js';
import { HearthError } from '../../errors/index.js';
import { formatBytes, formatDuration, isRunningState, isValidServiceName } from '../../model/index.js';
import type { Command, CommandContext } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { exitAgo, logLine, since, stateColor } from '../format.js';

export const status: Command = {
  name: 'status',
  summary: 'show one service in detail (LSB exit: 0 running, 3 not running, 4 unknown)',
  usage: 'status [NAME…] [--json]',
  description:
    'Shows state, pid, uptime, memory, CPU, restarts, the last exit and the last log lines.\n' +
    'Without a name: hearthd itself (version, pid, runlevel, units by state) and its link to the fleet.\n' +
    'With several names the exit code is the worst: 4 if any is unknown, else 3 if any is not running.\n' +
    '--json prints the service object (an array for several names).',
  async run(ctx) {
    if (ctx.args.length === 0) return (await import('./daemon-status.js')).daemonStatus(ctx);
    const found: ServiceDetail[] = [];
    let code: number = EXIT.OK;
    for (const name of ctx.args) {
      const detail = await fetchDetail(ctx, name);
      if (!detail) {
        code = EXIT.UNKNOWN_SERVICE;
        continue;
      }
      found.push(detail);
      if (!isRunningState(detail.state) && code === EXIT.OK) code = EXIT.NOT_RUNNING;
    }
    if (ctx.json) {
      if (ctx.args.length === 1) {
        if (found[0]) ctx.out.json(found[0]);
      } else ctx.out.json(found);
      return code;
    }
    const { renderLine } = await import('../../journal/index.js');
    found.forEach((d, i) => {
      if (i > 0) ctx.out.line();
      printDetail(ctx, d, renderLine);
    });
    return code;
  },
};

/** The detail, or undefined after printing the unknown-service line (with did-you-mean). */
async function fetchDetail(ctx: CommandContext, name: string): Promise<ServiceDetail | undefined> {
  if (!isValidServiceName(name)) {
    ctx.out.error(`${ctx.programName}: invalid service name "${name}"`);
    return undefined;
  }
  try {
    return await ctx.client().status(name);
  } catch (e) {
    if (e instanceof HearthError && e.code === 'ERR_UNKNOWN_SERVICE') {
      ctx.out.error(`${ctx.programName}: ${e.toString()}`);
      return undefined;
    }
    throw e;
  }
}

function printDetail(
  ctx: CommandContext,
  d: ServiceDetail,
  renderLine: Parameters<typeof logLine>[0],
): void {
  const { out } = ctx;
  const now = Date.now();
  const dot = out.paint(stateColor(d.state), '●');
  out.line(`${dot} ${out.paint('bold', d.name)}${d.description ? ` - ${d.description}` : ''}`);
  const rows: Array<[string, string]> = [];
  let state = out.paint(stateColor(d.state), d.state);
  if (d.detail) state += ` (${d.detail})`;
  if (isRunningState(d.state) && d.startedAt !== null) state += ` ${since(d.startedAt, now)}`;
  rows.push(['State', state]);
  if (d.pid !== null) rows.push(['PID', String(d.pid)]);
  if (d.memoryBytes !== undefined) rows.push(['Memory', formatBytes(d.memoryBytes)]);
  if (d.cpuSeconds !== undefined) rows.push(['CPU', formatDuration(d.cpuSeconds * 1000, { precise: true })]);
  if (d.tasks !== undefined) rows.push(['Tasks', String(d.tasks)]);
  if (d.cgroup !== undefined) rows.push(['CGroup', d.cgroup]);
  if (d.logging) {
    const what = d.logging.blocked ? 'output held, its pipe paused' : `${d.logging.droppedRecords} records dropped`;
    rows.push(['Logging', out.paint('red', `degraded ${since(d.logging.since, now)}: ${d.logging.reason}; ${what}`)]);
  }
  rows.push(['Restarts', String(d.restarts)]);
  if (d.lastExit) rows.push(['Last exit', exitAgo(d.lastExit, now)]);
  if (d.enabled !== undefined) rows.push(['Enabled', d.enabled ? 'yes' : 'no']);
  rows.push(['Source', `${d.source} (${d.kind})`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) out.line(`  ${k.padStart(width)}: ${v}`);
  for (const e of d.errors ?? []) out.line(`  ${out.paint('red', e)}`);
  // A systemd unit's settings hearth reads but does not act on: never dropped without a word.
  const sd = d.extra?.['systemd'] as { notEnforced?: string[]; approximated?: string[] } | undefined;
  for (const n of sd?.notEnforced ?? []) out.line(`  Not enforced: ${n}`);
  for (const n of sd?.approximated ?? []) out.line(`  Approximated: ${n}`);
  printWorkers(ctx, d.extra?.workers, now);
  if (d.recentLogs.length > 0) {
    out.line();
    for (const r of d.recentLogs) out.line(`  ${logLine(renderLine, r, { color: out.color })}`);
  }
}

interface WorkerRow {
  pid: number;
  generation: number;
  state: string;
  idle: boolean;
  startedAt: number;
}

/** A pool's workers, one line each: what `ps` would show, plus the generation a reload is rolling to. */
function printWorkers(ctx: CommandContext, workers: unknown, now: number): void {
  if (!Array.isArray(workers)) return;
  const rows = workers as WorkerRow[];
  ctx.out.line();
  ctx.out.line(`  Workers (${rows.length}):`);
  ctx.out.line('      PID  GEN  STATE     AGE');
  for (const w of rows) {
    const state = w.state === 'ready' && w.idle ? 'idle' : w.state;
    ctx.out.line(`  ${String(w.pid).padStart(7)}  ${String(w.generation).padStart(3)}  ${state.padEnd(8)}  ${formatDuration(Math.max(0, now - w.startedAt))}`);
  }
}
