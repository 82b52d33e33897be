import type { LogQuery, LogRecord } from '../../client/index.js';
import { HearthError } from '../../errors/index.js';
import { FACILITY_NAMES, PRIORITY_NAMES, formatTimestamp, isValidServiceName, parseFacility, parsePriority } from '../../model/index.js';
import type { Command, CommandContext } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { logLine } from '../format.js';
import { chooseLogSource, type LogSource } from '../log-source.js';

const DEFAULT_LINES = 50;
const DEFAULT_FOLLOW_LINES = 10;
const OUTPUT_MODES = ['short', 'json', 'verbose'] as const;
type OutputMode = (typeof OUTPUT_MODES)[number];

function usage(message: string, hint?: string): HearthError {
  return new HearthError('ERR_USAGE', message, hint ? { hint } : {});
}

export const logs: Command = {
  name: 'logs',
  summary: 'show service output (all services interleaved by time when no NAME)',
  usage:
    'logs [NAME…] [-f] [-n N] [--since TIME] [--until TIME] [--grep TEXT] [-p LEVEL] [--facility FAC] [-o short|json|verbose] [--utc] [--dir LOG_DIR]',
  description:
    `Without -n: the last ${DEFAULT_LINES} lines (${DEFAULT_FOLLOW_LINES} with -f), or every line in the --since/--until range.\n` +
    'TIME: now, today, yesterday, 10:00, 2026-11-23 10:00, ISO 8601, @EPOCH, or a duration ago ("5m", "2h ago").\n' +
    '"hearthd" as NAME shows hearthd\'s own messages. --json (or -o json) prints one JSON record per line;\n' +
    '-o verbose prints every field of a record, syslog facility, host, identifier, pid, MSGID and structured data included.\n' +
    'Lines a service wrote to stderr are marked "[err]" and count as priority err for -p, unless the line starts with its own <N> prefix.\n' +
    'When hearthd is not running, the log files are read directly (as journalctl does), from the default log dir or --dir.',
  options: {
    follow: { type: 'boolean', short: 'f', description: 'keep printing new lines until interrupted' },
    lines: { type: 'string', short: 'n', valueName: 'N', description: 'how many of the last lines to show' },
    since: { type: 'string', valueName: 'TIME', description: 'only lines at or after TIME' },
    until: { type: 'string', valueName: 'TIME', description: 'only lines at or before TIME' },
    grep: { type: 'string', valueName: 'TEXT', description: 'only lines containing TEXT' },
    raw: { type: 'boolean', description: 'print lines as the service wrote them, terminal escape sequences included (escaped by default)' },
    utc: { type: 'boolean', description: 'show times in UTC (as journalctl --utc)' },
    priority: { type: 'string', short: 'p', valueName: 'LEVEL', description: 'only this priority or more urgent: emerg alert crit err warning notice info debug, or 0-7 (as journalctl -p)' },
    facility: { type: 'string', valueName: 'FAC', description: 'only syslog messages of these facilities: names or numbers, comma-separated (as journalctl --facility)' },
    output: { type: 'string', short: 'o', valueName: 'MODE', description: 'short (default), json or verbose' },
    dir: { type: 'string', valueName: 'LOG_DIR', description: 'read this log dir directly (a copy, or hearthd is down); hearthd is not asked' },
  },
  async run(ctx) {
    const { parseTimeSpec, renderLine, renderJson, renderVerbose } = await import('../../journal/index.js');
    const names = ctx.args;
    const bad = names.find((n) => !isValidServiceName(n));
    if (bad !== undefined) throw usage(`invalid service name "${bad}"`);
    const follow = ctx.values.follow === true;
    const query: LogQuery = {};
    if (names.length > 0) query.names = names;

    const now = Date.now();
    const time = (key: 'since' | 'until'): number | undefined => {
      const raw = ctx.values[key];
      if (typeof raw !== 'string') return undefined;
      const t = parseTimeSpec(raw, now);
      if (t === undefined) throw usage(`invalid time "${raw}" for --${key}`, 'try "10m", "1h ago", "today", "10:00" or "2026-11-23 10:00"');
      return t;
    };
    const since = time('since');
    const until = time('until');
    if (since !== undefined) query.since = since;
    if (until !== undefined) query.until = until;
    if (since !== undefined && until !== undefined && since > until) throw usage('--since is after --until');
    if (typeof ctx.values.grep === 'string') query.grep = ctx.values.grep;
    if (typeof ctx.values.priority === 'string') {
      const p = parsePriority(ctx.values.priority);
      if (p === undefined) throw usage(`invalid priority "${ctx.values.priority}"`, `use ${PRIORITY_NAMES.join(', ')} or 0-7`);
      query.priority = p;
    }
    if (typeof ctx.values.facility === 'string') query.facility = facilities(ctx.values.facility);
    const mode = outputMode(ctx);

    const rawLines = ctx.values.lines;
    if (typeof rawLines === 'string') {
      if (!/^\d+$/.test(rawLines)) throw usage(`-n needs a whole number, got "${rawLines}"`);
      query.lines = Number(rawLines);
    } else if (follow) query.lines = DEFAULT_FOLLOW_LINES;
    else if (since === undefined && until === undefined) query.lines = DEFAULT_LINES;

    const showService = names.length !== 1;
    const utc = ctx.values.utc === true;
    const options = { color: ctx.out.color, showService, raw: ctx.values.raw === true, utc };
    const print = (r: LogRecord): void => {
      if (mode === 'json') return ctx.out.line(renderJson(r));
      if (mode === 'verbose') return ctx.out.line(renderVerbose(r, `${formatTimestamp(r.ts, { utc, millis: true, zone: true })} ${r.service}`));
      ctx.out.line(logLine(renderLine, r, options));
    };

    const source = await chooseLogSource(ctx, typeof ctx.values.dir === 'string' ? ctx.values.dir : undefined);
    if (!follow) {
      const records = await source.query(query);
      for (const r of records) print(r);
      if (records.length === 0 && names.length > 0) {
        const unknown = await source.unknownNames(names);
        if (unknown.length > 0) {
          for (const u of unknown) ctx.out.error(`${ctx.programName}: no logs for unknown service "${u.name}"${u.hint ? ` (${u.hint})` : ''}`);
          return EXIT.FAILURE;
        }
      }
      return EXIT.OK;
    }
    return followLogs(ctx, source, query, names, print);
  },
};

async function followLogs(ctx: CommandContext, source: LogSource, query: LogQuery, names: string[], print: (r: LogRecord) => void): Promise<number> {
  for (const u of names.length > 0 ? await source.unknownNames(names) : []) {
    ctx.out.error(`${ctx.programName}: warning: no service "${u.name}" yet${u.hint ? ` (${u.hint})` : ''}; following anyway`);
  }
  const stream = source.follow(query);
  const stop = (): void => stream.close();
  if (ctx.signal.aborted) stop();
  ctx.signal.addEventListener('abort', stop);
  try {
    for await (const r of stream) print(r);
  } finally {
    ctx.signal.removeEventListener('abort', stop);
  }
  if (ctx.signal.aborted) return EXIT.OK;
  ctx.out.error(`${ctx.programName}: hearthd closed the log stream`);
  return EXIT.FAILURE;
}

function facilities(text: string): number[] {
  const out = new Set<number>();
  for (const word of text.split(',')) {
    const f = parseFacility(word.trim());
    if (f === undefined) throw usage(`invalid facility "${word.trim()}"`, `use ${FACILITY_NAMES.join(', ')} or 0-23`);
    out.add(f);
  }
  return [...out];
}

function outputMode(ctx: CommandContext): OutputMode {
  const o = ctx.values.output;
  if (o === undefined) return ctx.json ? 'json' : 'short';
  if (typeof o !== 'string' || !(OUTPUT_MODES as readonly string[]).includes(o)) {
    throw usage(`invalid output mode "${String(o)}"`, `use ${OUTPUT_MODES.join(', ')}`);
  }
  return o as OutputMode;
}
