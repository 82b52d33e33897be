import { parsePriority } from '../../model/index.js';
import { parseTimeSpec } from '../../journal/index.js';
import { bootTime } from '../../process/index.js';

export type JournalOutput = 'short' | 'short-iso' | 'short-precise' | 'short-full' | 'cat' | 'json' | 'verbose';
const OUTPUTS: readonly JournalOutput[] = ['short', 'short-iso', 'short-precise', 'short-full', 'cat', 'json', 'verbose'];

export interface JournalctlArgs {
  units: string[];
  identifiers: string[];
  follow: boolean;
  lines?: number;
  since?: number;
  until?: number;
  /** The most urgent… least urgent range: priority is the ceiling (numerically highest), floor the lowest number kept. */
  priority?: number;
  priorityFloor?: number;
  output: JournalOutput;
  grep?: string;
  reverse: boolean;
  quiet: boolean;
  utc: boolean;
}

const FLAGS = new Set(['-f', '--follow', '-r', '--reverse', '-q', '--quiet', '--utc', '-b', '--boot', '-e', '--pager-end', '-x', '--catalog', '-a', '--all', '-l', '--full', '--no-pager', '--no-hostname', '--no-full', '-m', '--merge', '--system']);
const VALUED: Record<string, string> = {
  '-u': 'unit', '--unit': 'unit', '-n': 'lines', '--lines': 'lines', '-S': 'since', '--since': 'since', '-U': 'until', '--until': 'until',
  '-p': 'priority', '--priority': 'priority', '-o': 'output', '--output': 'output', '-g': 'grep', '--grep': 'grep', '-t': 'identifier', '--identifier': 'identifier',
};

/** journalctl's time words: "-5min" is 5 minutes ago, "+1h" an hour from now; the rest as hearth logs reads them. */
function time(text: string, now: number): number | undefined {
  const rel = /^([-+])(.+)$/.exec(text.trim());
  if (rel) {
    const span = parseTimeSpec(rel[2]!, now);
    return span === undefined ? undefined : rel[1] === '-' ? span : now + (now - span);
  }
  return parseTimeSpec(text, now);
}

export function parseJournalctlArgs(argv: readonly string[], now: number): { ok: true; args: JournalctlArgs } | { ok: false; message: string } {
  const a: JournalctlArgs = { units: [], identifiers: [], follow: false, output: 'short', reverse: false, quiet: false, utc: false };
  let pagerEnd = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--user' || arg === '--user-unit') return { ok: false, message: 'hearth does not run per-user service managers: "journalctl --user" is not supported.' };
    if (arg === '-k' || arg === '--dmesg') return { ok: false, message: "hearth's journal does not hold kernel messages: use dmesg." };
    if (!arg.startsWith('-')) return { ok: false, message: `journalctl: matches such as "${arg}" are not supported by hearth; use -u UNIT or -t IDENTIFIER.` };
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const key = eq > 0 ? arg.slice(0, eq) : !arg.startsWith('--') && arg.length > 2 && VALUED[arg.slice(0, 2)] ? arg.slice(0, 2) : arg;
    if (FLAGS.has(key) || key.startsWith('--boot') || key === '-b') {
      if (key === '-f' || key === '--follow') a.follow = true;
      else if (key === '-r' || key === '--reverse') a.reverse = true;
      else if (key === '-q' || key === '--quiet') a.quiet = true;
      else if (key === '--utc') a.utc = true;
      else if (key === '-e' || key === '--pager-end') pagerEnd = true;
      else if (key === '-b' || key === '--boot') {
        const id = eq > 0 ? arg.slice(eq + 1) : argv[i + 1] !== undefined && /^(0|-0)$/.test(argv[i + 1]!) ? argv[++i]! : '0';
        if (!/^(0|-0|)$/.test(id)) return { ok: false, message: `hearth keeps no journal of earlier boots: -b ${id} is not supported (use -b for this boot).` };
        a.since = Math.max(a.since ?? 0, bootTime());
      }
      continue;
    }
    const what = VALUED[key];
    if (what === undefined) return { ok: false, message: arg.startsWith('--') ? `journalctl: unrecognized option '${arg}'` : `journalctl: invalid option -- '${arg.slice(1, 2)}'` };
    const value = eq > 0 ? arg.slice(eq + 1) : key !== arg ? arg.slice(2) : argv[++i];
    if (value === undefined) return { ok: false, message: `journalctl: option '${key}' requires an argument` };
    if (what === 'unit') a.units.push(value);
    else if (what === 'identifier') a.identifiers.push(value);
    else if (what === 'lines') {
      if (value === 'all') continue;
      if (!/^\+?\d+$/.test(value)) return { ok: false, message: `Failed to parse lines '${value}'` };
      a.lines = Number(value.replace('+', ''));
    } else if (what === 'since' || what === 'until') {
      const t = time(value, now);
      if (t === undefined) return { ok: false, message: `Failed to parse timestamp: ${value}` };
      a[what] = t;
    } else if (what === 'priority') {
      const [from, to] = value.split('..');
      const hi = parsePriority(to ?? from!);
      const lo = to !== undefined ? parsePriority(from!) : undefined;
      if (hi === undefined || (to !== undefined && lo === undefined)) return { ok: false, message: `Failed to parse log level: ${value}` };
      a.priority = Math.max(hi, lo ?? hi);
      if (lo !== undefined) a.priorityFloor = Math.min(hi, lo);
    } else if (what === 'output') {
      if (!OUTPUTS.includes(value as JournalOutput)) return { ok: false, message: `Unknown output format '${value}'.` };
      a.output = value as JournalOutput;
    } else if (what === 'grep') a.grep = value;
  }
  if (pagerEnd && a.lines === undefined) a.lines = 1000;
  if (a.grep !== undefined) {
    try {
      new RegExp(a.grep);
    } catch {
      return { ok: false, message: `Bad pattern "${a.grep}"` };
    }
  }
  return { ok: true, args: a };
}
