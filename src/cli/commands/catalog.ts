import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

const RECOMMENDATION: Record<string, string> = {
  essential: 'essential',
  'keep-if-used': 'keep if used',
  'disable-unless-needed': 'disable unless needed',
  'never-on-public-interface': 'never on a public interface',
};

/** The catalog of well-known daemons: pure data, no daemon needed. */
export const catalog: Command = {
  name: 'catalog',
  summary: 'what a well-known daemon is, its ports, risk and what to do with it',
  usage: 'catalog [NAME] [--json]',
  description:
    'Without NAME, every known daemon in a table. With NAME (or an alias such as rlogin or cron),\n' +
    'the whole entry. Exit 4 for an unknown name, with the nearest known one.',
  async run(ctx) {
    const { allDaemons, findDaemon, suggestDaemon } = await import('../../catalog/index.js');
    const [name] = ctx.args;
    if (name === undefined) {
      const all = allDaemons();
      if (ctx.json) {
        ctx.out.json(all);
        return EXIT.OK;
      }
      const width = Number(ctx.env.COLUMNS) || process.stdout.columns || 100;
      const rows = all.map((e) => [e.name, e.category, e.risk, RECOMMENDATION[e.recommendation] ?? e.recommendation, e.description]);
      const fixed = Math.max(...rows.map((r) => r[0]!.length)) + 14 + 6 + 28 + 8;
      const room = Math.max(20, width - fixed);
      ctx.out.table(
        ['NAME', 'CATEGORY', 'RISK', 'RECOMMENDATION', 'DESCRIPTION'],
        rows.map((r) => [...r.slice(0, 4), r[4]!.length > room ? `${r[4]!.slice(0, room - 1)}…` : r[4]!]),
        (_row, col, padded) => (col === 2 ? ctx.out.paint(padded.trim() === 'high' ? 'red' : padded.trim() === 'medium' ? 'yellow' : 'green', padded) : padded),
      );
      return EXIT.OK;
    }
    const entry = findDaemon(name);
    if (!entry) {
      const near = suggestDaemon(name);
      ctx.out.error(`${ctx.programName}: "${name}" is not in the catalog${near ? ` (did you mean "${near}"?)` : ''}`);
      return EXIT.UNKNOWN_SERVICE;
    }
    if (ctx.json) {
      ctx.out.json(entry);
      return EXIT.OK;
    }
    const rows: Array<[string, string]> = [
      ['Name', entry.name + (entry.aliases.length ? ` (also: ${entry.aliases.join(', ')})` : '')],
      ['Description', entry.description],
      ['Category', entry.category],
      ['Ports', entry.ports.length ? entry.ports.map((p) => `${p.port}/${p.protocol}`).join(', ') : 'none'],
      ['Depends on', entry.dependsOn.length ? entry.dependsOn.join(', ') : 'nothing'],
      ['Risk', `${entry.risk}: ${entry.riskReason}`],
      ['Recommendation', RECOMMENDATION[entry.recommendation] ?? entry.recommendation],
    ];
    if (entry.successors) rows.push(['Successors', entry.successors.join(', ')]);
    const w = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) ctx.out.line(`${k.padStart(w)}: ${v}`);
    return EXIT.OK;
  },
};
