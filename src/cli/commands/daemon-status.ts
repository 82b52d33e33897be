/**
 * `hearth status` without a name: hearthd itself, as `systemctl status`
 * without a unit shows the system: version, pid, uptime, runlevel, process
 * tracking, the units by state, and the fleet link when hearth.toml has [fleet].
 */
import { formatTimestamp, formatRelative, isRunningState } from '../../model/index.js';
import type { CommandContext } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { describeFleetLink } from '../fleet-text.js';

export async function daemonStatus(ctx: CommandContext): Promise<number> {
  const client = ctx.client();
  const [info, units] = await Promise.all([client.info(), client.list()]);
  if (ctx.json) {
    ctx.out.json(info);
    return EXIT.OK;
  }
  const now = Date.now();
  const rows: Array<[string, string]> = [
    ['Version', info.version],
    ['PID', String(info.pid)],
    ['Since', `${formatTimestamp(info.startedAt)} (${formatRelative(info.startedAt, now)})`],
    ['Runlevel', `${info.runlevel ?? 'N'}${info.previousRunlevel !== null ? ` (previous ${info.previousRunlevel})` : ''}`],
    ['Config', info.configDir],
  ];
  if (info.processTracking) rows.push(['Tracking', info.processTracking.description]);
  const running = units.filter((u) => isRunningState(u.state)).length;
  const failed = units.filter((u) => u.state === 'failed' || u.state === 'broken').length;
  rows.push(['Units', `${units.length}: ${running} running${failed ? `, ${failed} failed or broken` : ''}`]);
  const fleet = info.fleet ? describeFleetLink(info.fleet, now) : undefined;
  if (fleet) rows.push(['Fleet', ctx.out.paint(fleet.level === 'ok' ? 'green' : fleet.level === 'warn' ? 'yellow' : 'red', fleet.summary)]);
  const width = Math.max(...rows.map(([k]) => k.length));
  ctx.out.line(`${ctx.out.paint('green', '●')} ${ctx.out.paint('bold', 'hearthd')}`);
  for (const [k, v] of rows) ctx.out.line(`  ${k.padStart(width)}: ${v}`);
  for (const d of fleet?.details ?? []) ctx.out.line(`  ${' '.repeat(width)}  ${d}`);
  return EXIT.OK;
}
