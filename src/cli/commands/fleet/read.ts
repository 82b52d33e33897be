/** `hearth fleet hosts|status|audit`: what the fleet's hosts report, read from etcd. */
import { unitNeedsAttention } from '../../../fleet/report.js';
import { formatRelative } from '../../../model/index.js';
import type { CommandContext } from '../../command.js';
import { EXIT } from '../../exit-codes.js';
import type { Column } from '../../table.js';
import { withAdmin } from './connect.js';

const selectorOf = (ctx: CommandContext) => (typeof ctx.values.selector === 'string' ? ctx.values.selector : undefined);
const labelText = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',') || '-';

const HOST_COLUMNS: Column[] = [
  { header: 'HOST', shrink: 'last', min: 8 },
  { header: 'UP' },
  { header: 'LABELS', shrink: 'first', min: 10, drop: 4 },
  { header: 'LAST SEEN', drop: 2 },
  { header: 'UNITS', align: 'right', drop: 3 },
  { header: 'FAILING', align: 'right' },
  { header: 'SET', drop: 1 },
];

export async function hosts(ctx: CommandContext): Promise<number> {
  const views = await withAdmin(ctx, (admin) => admin.hosts(selectorOf(ctx)));
  if (ctx.json) {
    ctx.out.json(views);
    return EXIT.OK;
  }
  if (views.length === 0) {
    ctx.out.line('no hosts have joined the fleet');
    return EXIT.OK;
  }
  const now = Date.now();
  const rows = views.map((h) => [
    h.name,
    h.up ? 'up' : 'down',
    labelText(h.labels),
    h.lastSeen ? formatRelative(h.lastSeen, now) : '-',
    String(h.units.length),
    String(h.unitsFailing),
    h.applied ? `${h.applied.hash.slice(0, 8)} ${Object.entries(h.applied.bundles).map(([b, v]) => `${b}@${v}`).join(' ')}`.trim() : '-',
  ]);
  ctx.out.table(HOST_COLUMNS, rows, (row, col, padded) => {
    const h = views[row]!;
    if (col === 1) return ctx.out.paint(h.up ? 'green' : 'red', padded);
    if (col === 5 && h.unitsFailing > 0) return ctx.out.paint('red', padded);
    return padded;
  });
  return EXIT.OK;
}

const STATUS_COLUMNS: Column[] = [
  { header: 'HOST', shrink: 'last', min: 8 },
  { header: 'UNIT', shrink: 'last', min: 8 },
  { header: 'STATE' },
  { header: 'ENABLED', drop: 2 },
  { header: 'PIDS', align: 'right', drop: 3 },
  { header: 'RESTARTS', align: 'right', drop: 4 },
  { header: 'LAST FAILURE', shrink: 'first', min: 12, drop: 1 },
];

/** One line per host and unit; with UNIT, one line per host ("absent" where the host lacks it). Exit 1 when a row needs attention (failed, broken, crash-looping…) or is absent, or its host down. */
export async function status(ctx: CommandContext): Promise<number> {
  const unit = ctx.args[1];
  const rows = await withAdmin(ctx, (admin) => admin.status(unit, selectorOf(ctx)));
  const bad = rows.some((r) => !r.up || unitNeedsAttention(r.state) || r.state === 'absent');
  if (ctx.json) {
    ctx.out.json(rows);
    return bad && unit ? EXIT.FAILURE : EXIT.OK;
  }
  if (rows.length === 0) {
    ctx.out.line(unit ? `no host matches` : 'no host reports any unit');
    return unit ? EXIT.FAILURE : EXIT.OK;
  }
  const now = Date.now();
  const table = rows.map((r) => [
    r.up ? r.host : `${r.host} (down)`,
    r.name,
    r.state,
    r.enabled.join('') || '-',
    String(r.pids),
    String(r.restarts),
    r.lastFailure ? `${formatRelative(r.lastFailure.at, now)}: ${r.lastFailure.reason}` : '-',
  ]);
  ctx.out.table(STATUS_COLUMNS, table, (row, col, padded) => {
    const r = rows[row]!;
    if (col === 0 && !r.up) return ctx.out.paint('red', padded);
    if (col === 2) return ctx.out.paint(r.state === 'running' ? 'green' : unitNeedsAttention(r.state) || r.state === 'absent' ? 'red' : 'yellow', padded);
    return padded;
  });
  return bad && unit ? EXIT.FAILURE : EXIT.OK;
}

/** The audit roll-up: per host, findings and the risky daemons it runs. */
export async function audit(ctx: CommandContext): Promise<number> {
  const rows = await withAdmin(ctx, (admin) => admin.audit(selectorOf(ctx)));
  if (ctx.json) {
    ctx.out.json(rows);
    return EXIT.OK;
  }
  const total = rows.reduce((n, r) => n + r.findings, 0);
  for (const r of rows) {
    const head = `${r.host}${r.up ? '' : ' (down)'}: ${r.findings} finding${r.findings === 1 ? '' : 's'}`;
    ctx.out.line(r.units.length > 0 ? ctx.out.paint('bold', head) : head);
    for (const u of r.units) {
      const risk = u.risk ? ` [${u.risk} risk${u.reason ? `: ${u.reason}` : ''}]` : '';
      ctx.out.line(`  ${u.name} (${u.state}): ${u.findings} finding${u.findings === 1 ? '' : 's'}${risk}`);
    }
  }
  ctx.out.line(`${rows.length} host${rows.length === 1 ? '' : 's'}, ${total} finding${total === 1 ? '' : 's'}; "hearth audit" on a host shows each with its fix`);
  return EXIT.OK;
}
