import { HearthError } from '../../errors/index.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

const ORDER = ['info', 'low', 'medium', 'high', 'critical'] as const;
type Severity = (typeof ORDER)[number];
const COLOR: Record<Severity, 'dim' | 'blue' | 'yellow' | 'red'> = { info: 'dim', low: 'blue', medium: 'yellow', high: 'red', critical: 'red' };

/** Choose your daemons wisely: what runs, what listens, and what should not. */
export const audit: Command = {
  name: 'audit',
  summary: 'risky services, open ports, unsafe files and missing essentials, each with its fix',
  usage: 'audit [--json] [--fail-on SEVERITY]',
  description:
    'Findings come worst first, grouped by severity (critical, high, medium, low, info), each with its evidence\n' +
    'and how to fix it. --fail-on SEVERITY exits 1 when a finding at that severity or worse exists (for CI).',
  options: {
    'fail-on': { type: 'string', valueName: 'SEVERITY', description: 'exit 1 if a finding is at least this severe (info|low|medium|high|critical)' },
  },
  async run(ctx) {
    const failOn = ctx.values['fail-on'] as string | undefined;
    if (failOn !== undefined && !(ORDER as readonly string[]).includes(failOn)) {
      throw new HearthError('ERR_USAGE', `--fail-on must be one of ${ORDER.join(', ')}, got "${failOn}"`);
    }
    const report = await ctx.client().audit();
    const worst = Math.max(-1, ...report.findings.map((f) => ORDER.indexOf(f.severity as Severity)));
    const failed = failOn !== undefined && worst >= ORDER.indexOf(failOn as Severity);
    if (ctx.json) {
      ctx.out.json(report);
      return failed ? EXIT.FAILURE : EXIT.OK;
    }
    if (report.findings.length === 0) {
      ctx.out.line('No findings.');
      return EXIT.OK;
    }
    for (const severity of [...ORDER].reverse()) {
      const group = report.findings.filter((f) => f.severity === severity);
      if (group.length === 0) continue;
      ctx.out.line(ctx.out.paint(COLOR[severity], `${severity.toUpperCase()} (${group.length})`));
      for (const f of group) {
        ctx.out.line(`  ${ctx.out.paint('bold', f.title)}${f.service ? `  [${f.service}]` : ''}  (${f.id})`);
        ctx.out.line(`      evidence: ${f.evidence}`);
        ctx.out.line(`      fix:      ${f.fix}`);
      }
    }
    const counts = ORDER.map((s) => [s, report.findings.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
    ctx.out.line(`${report.findings.length} finding${report.findings.length === 1 ? '' : 's'}: ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}`);
    return failed ? EXIT.FAILURE : EXIT.OK;
  },
};
