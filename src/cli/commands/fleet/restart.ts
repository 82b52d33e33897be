/**
 * `hearth fleet restart UNIT --selector S [--rolling --max-unavailable N]`:
 * through etcd alone, each host restarts the unit and answers once it is
 * ready. --rolling takes N hosts at a time (default 1) and stops at the first
 * failure; without it every matching host restarts at once.
 */
import { HearthError } from '../../../errors/index.js';
import { isValidServiceName, parseDuration } from '../../../model/index.js';
import type { CommandContext } from '../../command.js';
import { EXIT } from '../../exit-codes.js';
import { withAdmin } from './connect.js';

function positiveInt(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < 1) throw new HearthError('ERR_USAGE', `${flag} must be a whole number from 1, got "${String(value)}"`);
  return Number(value);
}

export async function restart(ctx: CommandContext): Promise<number> {
  const unit = ctx.args[1];
  if (!unit || !isValidServiceName(unit)) throw new HearthError('ERR_USAGE', unit ? `invalid unit name "${unit}"` : 'fleet restart needs a UNIT');
  const selector = typeof ctx.values.selector === 'string' ? ctx.values.selector : '*';
  const rolling = ctx.values.rolling === true;
  const maxGiven = positiveInt(ctx.values['max-unavailable'], '--max-unavailable');
  if (maxGiven !== undefined && !rolling) throw new HearthError('ERR_USAGE', '--max-unavailable goes with --rolling');
  const timeoutText = ctx.values.timeout;
  const timeoutMs = typeof timeoutText === 'string' ? parseDuration(timeoutText) : undefined;
  if (typeof timeoutText === 'string' && (timeoutMs === undefined || timeoutMs <= 0)) throw new HearthError('ERR_USAGE', `--timeout must be a duration such as "90s", got "${timeoutText}"`);
  const result = await withAdmin(ctx, async (admin) => {
    const hosts = await admin.hosts(selector, { names: true });
    if (hosts.length === 0) throw new HearthError('ERR_FLEET', `no host matches ${selector}`, { hint: 'see "hearth fleet hosts"' });
    const maxUnavailable = rolling ? (maxGiven ?? 1) : hosts.length;
    if (!ctx.json) ctx.out.line(`restarting ${unit} on ${hosts.length} host${hosts.length === 1 ? '' : 's'}${rolling ? `, ${maxUnavailable} at a time` : ', all at once'}`);
    return admin.restart(unit, {
      selector,
      maxUnavailable,
      ...(timeoutMs ? { timeoutMs } : {}),
      skipDown: ctx.values['skip-down'] === true,
      onProgress: (p) => {
        if (ctx.json) return;
        const text = `${p.host}: ${p.phase}${p.error ? ` (${p.error})` : ''}`;
        ctx.out.line(p.phase === 'failed' ? ctx.out.paint('red', text) : p.phase === 'ready' ? ctx.out.paint('green', text) : text);
      },
    });
  });
  if (ctx.json) {
    ctx.out.json(result);
    return result.ok ? EXIT.OK : EXIT.FAILURE;
  }
  if (result.ok) {
    ctx.out.line(`${unit} restarted and ready on ${result.done.length} host${result.done.length === 1 ? '' : 's'}`);
    return EXIT.OK;
  }
  const list = (hs: string[]) => (hs.length ? hs.join(', ') : 'none');
  for (const f of result.failed) ctx.out.line(ctx.out.paint('red', `stopped: ${f.host}: ${f.error}`));
  ctx.out.line(`done: ${list(result.done)}; not started: ${list(result.notStarted)}`);
  return EXIT.FAILURE;
}
