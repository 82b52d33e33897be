/**
 * `hearth fleet apply|diff|rollback`: the desired state. apply checks DIR
 * with the very checker `hearth check` uses for a local config dir, and
 * writes nothing unless it finds no error.
 */
import { resolve } from 'node:path';
import { HearthError } from '../../../errors/index.js';
import { checkConfigDir } from '../../../config/index.js';
import type { ApplyResult } from '../../../fleet/index.js';
import type { CommandContext } from '../../command.js';
import { EXIT } from '../../exit-codes.js';
import { withAdmin } from './connect.js';

function dirArg(ctx: CommandContext, verb: string): string {
  const dir = ctx.args[1];
  if (!dir) throw new HearthError('ERR_USAGE', `fleet ${verb} needs a DIR laid out like a config dir (services/*.toml, xinetd.d/, init.d/, inetd.conf, fleet.toml)`);
  return resolve(ctx.cwd, dir);
}

function selectorArg(ctx: CommandContext, verb: string): string {
  const s = ctx.values.selector;
  if (typeof s !== 'string' || s === '') throw new HearthError('ERR_USAGE', `fleet ${verb} needs --selector, such as role=web, host=web1 or "*"`);
  return s;
}

const bundleArg = (ctx: CommandContext) => (typeof ctx.values.bundle === 'string' ? { bundle: ctx.values.bundle } : {});

/** The local checker, as the fleet library's CheckFn: errors only (warnings do not stop an apply). */
async function check(dir: string): Promise<HearthError[]> {
  const report = await checkConfigDir(dir);
  return report.errors.map((e) => new HearthError(e.code as HearthError['code'], e.message, { ...(e.file ? { file: e.file } : {}), ...(e.line ? { line: e.line } : {}), ...(e.key ? { key: e.key } : {}), ...(e.hint ? { hint: e.hint } : {}) }));
}

function printResult(ctx: CommandContext, r: ApplyResult, what: string): number {
  if (ctx.json) {
    ctx.out.json(r.ok ? r : { ...r, errors: r.errors.map((e) => ({ ...e.toJSON(), text: e.toString() })) });
    return r.ok ? EXIT.OK : EXIT.FAILURE;
  }
  if (!r.ok) {
    for (const e of r.errors) ctx.out.line(ctx.out.paint('red', e.toString()));
    ctx.out.line(`bundle ${r.bundle}: nothing written (${r.errors.length} error${r.errors.length === 1 ? '' : 's'})`);
    return EXIT.FAILURE;
  }
  ctx.out.line(r.unchanged ? `bundle ${r.bundle}: unchanged at version ${r.version} (${r.hash})` : `bundle ${r.bundle}: ${what} version ${r.version} (${r.hash}, etcd revision ${r.revision})`);
  return EXIT.OK;
}

export async function apply(ctx: CommandContext): Promise<number> {
  const dir = dirArg(ctx, 'apply');
  const selector = selectorArg(ctx, 'apply');
  const r = await withAdmin(ctx, (admin) => admin.apply({ dir, selector, ...bundleArg(ctx), check }));
  return printResult(ctx, r, 'wrote');
}

export async function diff(ctx: CommandContext): Promise<number> {
  const dir = dirArg(ctx, 'diff');
  const selector = selectorArg(ctx, 'diff');
  const d = await withAdmin(ctx, (admin) => admin.diff({ dir, selector, ...bundleArg(ctx) }));
  if (ctx.json) {
    ctx.out.json({ ...d, errors: d.errors.map((e) => ({ ...e.toJSON(), text: e.toString() })) });
    return d.errors.length > 0 ? EXIT.FAILURE : EXIT.OK;
  }
  for (const e of d.errors) ctx.out.line(ctx.out.paint('red', e.toString()));
  if (d.selectorBefore === undefined) ctx.out.line(`bundle ${d.bundle} is new: selector ${d.selectorAfter}`);
  else if (d.selectorBefore !== d.selectorAfter) ctx.out.line(`bundle ${d.bundle}: selector ${d.selectorBefore} -> ${d.selectorAfter}`);
  for (const f of d.files) {
    ctx.out.line(ctx.out.paint('bold', `${f.change === 'added' ? '+++' : f.change === 'removed' ? '---' : '***'} ${f.path} (${f.change})`));
    for (const l of f.lines) ctx.out.line(l.op === '+' ? ctx.out.paint('green', `+${l.text}`) : l.op === '-' ? ctx.out.paint('red', `-${l.text}`) : ` ${l.text}`);
  }
  if (d.files.length === 0) ctx.out.line(`bundle ${d.bundle}: no file changes`);
  const list = (hs: string[]) => (hs.length ? hs.join(', ') : 'none');
  ctx.out.line(`hosts before: ${list(d.hostsBefore)}`);
  ctx.out.line(`hosts after:  ${list(d.hostsAfter)}`);
  return d.errors.length > 0 ? EXIT.FAILURE : EXIT.OK;
}

export async function rollback(ctx: CommandContext): Promise<number> {
  const bundle = ctx.args[1];
  if (!bundle) throw new HearthError('ERR_USAGE', 'fleet rollback needs a BUNDLE name (a bundle is named after its selector: role=web)');
  const to = ctx.values.to;
  if (to !== undefined && !(typeof to === 'string' && /^\d+$/.test(to))) throw new HearthError('ERR_USAGE', `--to must be a version number, got "${String(to)}"`);
  const r = await withAdmin(ctx, (admin) => admin.rollback(bundle, to !== undefined ? { to: Number(to) } : {}));
  return printResult(ctx, r, 'rolled back as');
}
