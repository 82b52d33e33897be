import type { ConfigReport } from '../../client/index.js';
import type { CommandContext } from '../command.js';

/**
 * Errors compiler-style, one per line, exactly as the loaders wrote them
 * (`services/web.toml:2: unknown key "restrat" (did you mean "restart"?)`);
 * warnings the same with a "warning:" prefix.
 */
export function printProblems(ctx: CommandContext, report: Pick<ConfigReport, 'errors' | 'warnings'>): void {
  for (const e of report.errors) ctx.out.line(ctx.out.paint('red', e.text));
  for (const w of report.warnings) ctx.out.line(`${ctx.out.paint('yellow', 'warning:')} ${w.text}`);
}
