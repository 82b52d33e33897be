/**
 * `systemctl enable`, `disable`, `mask`, `unmask` and `is-enabled` as pure
 * plans: given the search path, say which symlinks to create or remove in
 * the config directory (the caller performs them), or which state a unit
 * file is in. The rules are those of systemd's install code (checked
 * against `systemctl --root=DIR` in test/systemd-enablement.test.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { discover, installPrintf, isUnder, type InstallInfo, type InstallPaths } from './install-info.js';
import { classifyUnitName, instantiate, isValidUnitName, parseUnitName, templateOf, typeMayAlias } from './unit-name.js';
import { isHiddenOrBackup } from './unit-directory.js';

export type LinkOp =
  /** Create path as a symlink to target (replacing what is there when `replace`). */
  | { op: 'symlink'; path: string; target: string; replace?: boolean }
  | { op: 'unlink'; path: string };

export interface LinkPlan {
  ops: LinkOp[];
  /** Problems that stop the operation (the caller should not apply ops): systemctl's failures. */
  errors: string[];
  /** Things worth telling (a unit with no [Install], a missing target …). */
  warnings: string[];
}

export type UnitFileState = 'enabled' | 'enabled-runtime' | 'linked' | 'linked-runtime' | 'alias' | 'masked' | 'masked-runtime' | 'static' | 'indirect' | 'disabled' | 'not-found' | 'bad';

function readlinkOrNull(p: string): string | null {
  try {
    return fs.readlinkSync(p);
  } catch {
    return null;
  }
}

function exists(p: string): boolean {
  return fs.lstatSync(p, { throwIfNoEntry: false }) !== undefined;
}

/**
 * Plans "create path → target" unless it is already so; returns systemd's
 * result code for it: 1 (done or already there) or -1 (in the way).
 */
function link(plan: LinkPlan, problems: string[], p: string, target: string, force: boolean, verb = 'enable'): number {
  if (plan.ops.some((o) => o.op === 'symlink' && o.path === p)) return 1;
  const current = readlinkOrNull(p);
  if (current !== null) {
    const abs = path.isAbsolute(current) ? current : path.join(path.dirname(p), current);
    if (path.normalize(abs) === path.normalize(target) || (fs.existsSync(abs) && fs.existsSync(target) && fs.realpathSync(abs) === fs.realpathSync(target))) return 1;
    if (!force) {
      problems.push(`Failed to ${verb} unit: File ${p} already exists and is a symlink to ${current}.`);
      return -1;
    }
    plan.ops.push({ op: 'symlink', path: p, target, replace: true });
    return 1;
  }
  if (exists(p)) {
    problems.push(`Failed to ${verb} unit: File ${p} already exists.`);
    return -1;
  }
  plan.ops.push({ op: 'symlink', path: p, target });
  return 1;
}

/**
 * The links one unit's [Install] asks for. The result code follows systemd's
 * (install_info_apply): a later step's failure only counts if nothing before
 * it succeeded, which is why `systemctl enable` can print an error and still
 * exit 0.
 */
function applyInfo(info: InstallInfo, paths: InstallPaths, plan: LinkPlan, problems: string[], force: boolean): number {
  if (!isUnder(info.path, paths.searchPath)) {
    const r = link(plan, problems, path.join(paths.configPath, info.name), info.path, force);
    if (r < 0) return r;
  }
  let r = 0;
  for (const alias of info.alias) {
    const dst = installPrintf(alias, info, paths.host);
    if (dst === null) continue;
    const verified = verifyAlias(info, dst);
    if (verified === 'self') continue;
    if (verified === null) {
      problems.push(`Failed to enable unit: Invalid unit name or alias "${dst}" for ${info.name}.`);
      r = r < 0 ? r : -1;
      continue;
    }
    const q = link(plan, problems, path.join(paths.configPath, verified), info.path, force);
    r = r < 0 ? r : q;
  }
  for (const [list, suffix] of [[info.wantedBy, '.wants'], [info.requiredBy, '.requires']] as const) {
    const q = applyWants(info, list, suffix, paths, plan, problems);
    if (r === 0) r = q;
  }
  return r;
}

function applyWants(info: InstallInfo, list: readonly string[], suffix: string, paths: InstallPaths, plan: LinkPlan, problems: string[]): number {
  if (list.length === 0) return 0;
  let n = info.name;
  let templateOnly = false;
  if (classifyUnitName(info.name) === 'template') {
    if (info.defaultInstance) {
      n = instantiate(info.name, info.defaultInstance) ?? info.name;
      const d = discover(n, paths);
      if (d.ok && d.info.mode === 'masked') {
        problems.push(`Failed to enable unit: Unit file ${d.info.path} is masked.`);
        return -1;
      }
    } else templateOnly = true;
  }
  let r = 0;
  for (const t of list) {
    const dst = installPrintf(t, info, paths.host);
    if (dst === null) continue;
    const kind = classifyUnitName(dst);
    if (kind === null || (templateOnly && kind === 'plain')) {
      problems.push(kind === null ? `Failed to enable unit: "${dst}" is not a valid unit name.` : `Failed to enable ${n}, destination unit ${dst} is a non-template unit.`);
      if (r >= 0) r = -1;
      continue;
    }
    const q = link(plan, problems, path.join(paths.configPath, `${dst}${suffix}`, n), info.path, true);
    if ((q < 0 && r >= 0) || r === 0) r = q;
    if (!discover(dst, paths).ok) plan.warnings.push(`Unit ${info.path} is added as a dependency to a non-existent unit ${dst}.`);
  }
  return r;
}

/** The symlinks `systemctl enable NAME…` would create. */
export function planEnable(names: readonly string[], paths: InstallPaths, options: { force?: boolean } = {}): LinkPlan {
  const plan: LinkPlan = { ops: [], errors: [], warnings: [] };
  const problems: string[] = [];
  const queue: Array<{ name: string; auxiliary: boolean }> = [];
  for (const name of names) {
    const d = discover(name, paths);
    if (!d.ok) return { ...plan, errors: [d.error === 'not-found' ? `Failed to enable unit: Unit file ${name} does not exist.` : `Failed to enable unit: ${name}: ${d.error}`] };
    if (d.info.mode === 'masked') return { ...plan, errors: [`Failed to enable unit: Unit file ${d.info.path} is masked.`] };
    queue.push({ name, auxiliary: false });
  }
  const done = new Set<string>();
  let result = 0;
  while (queue.length > 0) {
    const { name, auxiliary } = queue.shift()!;
    if (done.has(name)) continue;
    done.add(name);
    const d = discover(name, paths);
    if (!d.ok) {
      if (auxiliary) {
        plan.warnings.push(`Unit ${name} could not be found (named in Also=).`);
        continue;
      }
      return { ...plan, ops: [], errors: [`Failed to enable unit: Unit file ${name} does not exist.`] };
    }
    for (const n of d.chain) done.add(n);
    if (d.info.mode === 'masked') {
      plan.warnings.push(`Unit ${d.info.path} is masked, ignoring.`);
      if (result >= 0) result += 1;
      continue;
    }
    for (const also of d.info.also) queue.push({ name: also, auxiliary: true });
    const q = applyInfo(d.info, paths, plan, problems, !!options.force);
    if (result >= 0) result = q < 0 ? q : result + q;
  }
  if (result < 0) plan.errors.push(...problems);
  else plan.warnings.push(...problems);
  if (result === 0) {
    plan.warnings.push('The unit files have no installation config (WantedBy=, RequiredBy=, Also=, Alias= settings in the [Install] section, and DefaultInstance= for template units). This means they are not meant to be enabled or disabled using systemctl.');
  }
  return plan;
}

/** An Alias= name checked as systemd does; instance names carry the instance over to template aliases. */
function verifyAlias(info: InstallInfo, dst: string): string | 'self' | null {
  if (dst.includes('/')) {
    const dir = path.dirname(dst);
    const m = /^(.*)\.(wants|requires)$/.exec(dir);
    if (!m || classifyUnitName(m[1]!) === null) return null;
    return classifyUnitName(path.basename(dst)) !== null ? dst : null;
  }
  let target = dst;
  const own = parseUnitName(info.name);
  if (classifyUnitName(dst) === 'template' && own?.kind === 'instance') target = instantiate(dst, own.instance!) ?? dst;
  const t = parseUnitName(target);
  if (!t || !own) return null;
  if (target === info.name) return 'self';
  if (!typeMayAlias(own.type) || t.type !== own.type) return null;
  if (!(t.kind === own.kind || (own.kind === 'instance' && t.kind === 'template'))) return null;
  return target;
}

/** Every symlink below dir (recursively), as absolute paths. */
function symlinksUnder(dir: string): string[] {
  const out: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (isHiddenOrBackup(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...symlinksUnder(p));
    else if (e.isSymbolicLink() && isValidUnitName(e.name)) out.push(p);
  }
  return out;
}

/** Follows a symlink chain to its end, without needing the end to exist. */
function chase(p: string): string {
  let cur = p;
  for (let i = 0; i < 32; i++) {
    const l = readlinkOrNull(cur);
    if (l === null) return cur;
    cur = path.normalize(path.isAbsolute(l) ? l : path.join(path.dirname(cur), l));
  }
  return cur;
}

/** The symlinks `systemctl disable NAME…` would remove from the config directory. */
export function planDisable(names: readonly string[], paths: InstallPaths): LinkPlan {
  const plan: LinkPlan = { ops: [], errors: [], warnings: [] };
  const marked = new Set<string>();
  const queue = [...names];
  const done = new Set<string>();
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (done.has(name)) continue;
    done.add(name);
    if (classifyUnitName(name) === null) {
      plan.errors.push(`Failed to disable unit: Unit name ${name} is not valid.`);
      continue;
    }
    const d = discover(name, paths);
    if (d.ok) {
      if (d.info.mode === 'masked') {
        plan.warnings.push(`Unit ${d.info.path} is masked, ignoring.`);
        continue;
      }
      queue.push(...d.info.also, ...d.chain.slice(1));
    }
    // Even a unit that is gone is marked: its leftover links still go.
    marked.add(name);
  }
  // Remove every symlink whose name, template name, or final destination is marked; what it removes is marked in turn.
  let again = true;
  const removed = new Set<string>();
  while (again) {
    again = false;
    for (const p of symlinksUnder(paths.configPath)) {
      if (removed.has(p)) continue;
      const base = path.basename(p);
      const template = templateOf(base);
      const dest = chase(p);
      if (!(marked.has(base) || (template && marked.has(template)) || marked.has(dest) || marked.has(path.basename(dest)))) continue;
      removed.add(p);
      plan.ops.push({ op: 'unlink', path: p });
      if (!marked.has(p)) {
        marked.add(p);
        again = true;
      }
    }
  }
  return plan;
}

/** `systemctl mask`: a symlink to /dev/null in the config directory. */
export function planMask(names: readonly string[], paths: InstallPaths): LinkPlan {
  const plan: LinkPlan = { ops: [], errors: [], warnings: [] };
  for (const name of names) {
    if (classifyUnitName(name) === null) plan.errors.push(`Failed to mask unit: Unit name ${name} is not valid.`);
    else link(plan, plan.errors, path.join(paths.configPath, name), '/dev/null', true, 'mask');
  }
  return plan;
}

/** `systemctl unmask`: removes the /dev/null symlinks (or empty files) of these names from the config directory. */
export function planUnmask(names: readonly string[], paths: InstallPaths): LinkPlan {
  const plan: LinkPlan = { ops: [], errors: [], warnings: [] };
  for (const name of names) {
    const p = path.join(paths.configPath, name);
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (st && ((st.isSymbolicLink() && readlinkOrNull(p) === '/dev/null') || (st.isFile() && st.size === 0))) plan.ops.push({ op: 'unlink', path: p });
  }
  return plan;
}

export { unitFileState } from './unit-file-state.js';
