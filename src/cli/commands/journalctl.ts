import { hostname } from 'node:os';
import type { LogQuery, LogRecord } from '../../client/index.js';
import type { Command, CommandContext } from '../command.js';
import { EXIT } from '../exit-codes.js';

/**
 * journalctl over hearth's journal: -u UNIT, -f, -n N, --since, --until,
 * -p PRIORITY, -o short|short-iso|short-precise|json|cat, -b, -g PATTERN,
 * -r, -t IDENTIFIER, --utc. A unit's lines come with hearthd's own lines
 * about it, as systemd's journal shows the manager's messages for a unit.
 */
export const journalctl: Command = {
  name: 'journalctl',
  summary: 'journalctl over hearth\'s journal: -u UNIT, -f, -n N, --since, --until, -p, -o, -b, -g',
  usage: 'journalctl [-u UNIT]… [-f] [-n N] [-S SINCE] [-U UNTIL] [-p PRIORITY] [-o FORMAT] [-b] [-g PATTERN] [-r]',
  description: 'FORMAT: short (default), short-iso, short-precise, short-full, json, cat. -b: since this machine booted. --user is refused.',
  rawArgs: true,
  async run(ctx) {
    const { parseJournalctlArgs } = await import('./journalctl-args.js');
    const parsed = parseJournalctlArgs(ctx.rawArgs, Date.now());
    if (!parsed.ok) {
      ctx.out.raw('', `${parsed.message}\n`);
      return EXIT.FAILURE;
    }
    const a = parsed.args;
    const { journalLine } = await import('../../systemd-run/journal-lines.js');
    const units = await resolveUnits(ctx, a.units);
    const query: LogQuery = {};
    if (units.length > 0) query.names = [...units, 'hearthd'];
    if (a.since !== undefined) query.since = a.since;
    if (a.until !== undefined) query.until = a.until;
    if (a.priority !== undefined) query.priority = a.priority;
    const host = hostname();
    const pattern = a.grep !== undefined ? new RegExp(a.grep, /[A-Z]/.test(a.grep) ? '' : 'i') : undefined;
    const keep = (r: LogRecord) =>
      (units.length === 0 || r.service !== 'hearthd' || units.some((u) => r.text.startsWith(`${u}:`))) &&
      (pattern === undefined || pattern.test(r.text)) &&
      (a.identifiers.length === 0 || a.identifiers.includes(r.service.replace(/\.service$/, ''))) &&
      (a.priorityFloor === undefined || (r.priority ?? (r.stream === 'err' ? 3 : 6)) >= a.priorityFloor);
    const print = (r: LogRecord) => ctx.out.line(journalLine(r, { format: a.output, hostname: host, utc: a.utc }));
    const records = (await ctx.client().logs(query)).filter(keep);
    const lines = a.lines ?? (a.follow ? 10 : undefined);
    const shown = lines === undefined ? records : lines === 0 ? [] : records.slice(-lines);
    for (const r of a.reverse ? [...shown].reverse() : shown) print(r);
    if (!a.follow) {
      if (shown.length === 0 && !a.quiet) ctx.out.line('-- No entries --');
      return EXIT.OK;
    }
    const stream = ctx.client().followLogs(query);
    const stop = (): void => stream.close();
    if (ctx.signal.aborted) stop();
    ctx.signal.addEventListener('abort', stop);
    try {
      for await (const r of stream) if (keep(r)) print(r);
    } finally {
      ctx.signal.removeEventListener('abort', stop);
    }
    return EXIT.OK;
  },
};

/** -u names as hearthd calls the units ("nginx" is nginx.service); globs match every unit. */
async function resolveUnits(ctx: CommandContext, asked: string[]): Promise<string[]> {
  if (asked.length === 0) return [];
  const known = (await ctx.client().list()).map((s) => s.name);
  const out: string[] = [];
  for (const u of asked) {
    if (/[*?[]/.test(u)) {
      const re = new RegExp(`^${u.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
      out.push(...known.filter((k) => re.test(k) || re.test(`${k}.service`)));
    } else out.push(known.includes(u) ? u : known.includes(`${u}.service`) ? `${u}.service` : u);
  }
  return [...new Set(out)];
}
