/**
 * Enablement of systemd units, which lives in symlinks: `enable` makes the
 * links [Install] asks for (TARGET.wants/NAME …), `disable` removes them,
 * `mask` links NAME to /dev/null. The library plans the links; this applies
 * them and says what it did in systemctl's words. A unit is "on" in a
 * runlevel when a target that wants or requires it is reachable from that
 * runlevel's target, read afresh from the files after every change.
 */
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { HearthError } from '../errors/index.js';
import type { Enablement, EnablementUnit, LevelFlags } from '../runlevels/index.js';
import {
  RUNLEVEL_TARGETS, UnitLoader, planDisable, planEnable, planMask, planUnmask, runlevelsFor, unitFileState,
  type HostFacts, type LinkPlan, type UnitFileState,
} from '../systemd/index.js';

/**
 * How systemd's standard targets pull each other in (systemd.special(7)),
 * for a private config dir that has no target files of its own: a unit
 * wanted by multi-user.target is then still on in runlevel 5.
 */
const STANDARD_TARGETS: Readonly<Record<string, readonly string[]>> = {
  'graphical.target': ['multi-user.target'],
  'multi-user.target': ['basic.target'],
  'basic.target': ['sysinit.target', 'sockets.target', 'timers.target', 'paths.target', 'slices.target'],
  'rescue.target': ['sysinit.target'],
};

export interface UnitFilePaths {
  searchPath: readonly string[];
  linkDir: string;
  host?: HostFacts;
}

/** What an enable/disable/mask/unmask did, as systemctl prints it. */
export interface LinkChange {
  ok: boolean;
  /** "Created symlink A → B.", "Removed "A"." */
  lines: string[];
  warnings: string[];
  errors: string[];
}

export class UnitFiles implements Enablement {
  private loader: UnitLoader | undefined;
  private readonly levels = new Map<string, number[]>();

  constructor(
    private paths: UnitFilePaths,
    /** Told after links changed, so the loaded units can be read again. */
    private readonly changed: () => void = () => undefined,
  ) {}

  /** A new config: new paths, nothing cached. */
  update(paths: UnitFilePaths): void {
    this.paths = paths;
    this.forget();
  }

  state(name: string): UnitFileState {
    return unitFileState(name, this.installPaths());
  }

  /** The runlevels a unit is on in, from the links and target files as they are now. */
  levelsOf(name: string): number[] {
    let levels = this.levels.get(name);
    if (!levels) {
      const loader = (this.loader ??= new UnitLoader({ searchPath: this.paths.searchPath, ...(this.paths.host ? { host: this.paths.host } : {}) }));
      const depsOf = (target: string): string[] => {
        const u = loader.load(target);
        const fromLinks = ['.wants', '.requires'].flatMap((s) => loader.directory.dropInFiles(target, [], s as '.wants').map((p) => p.slice(p.lastIndexOf('/') + 1)));
        const own = u.loadState === 'not-found' ? (STANDARD_TARGETS[target] ?? []) : [...u.unit.wants, ...u.unit.requires];
        return [...new Set([...own, ...fromLinks])];
      };
      const enabling = this.targetsWanting(name, depsOf);
      levels = runlevelsFor(enabling, depsOf);
      this.levels.set(name, levels);
    }
    return levels;
  }

  /** The targets (reachable from some runlevel) that want or require a unit. */
  private targetsWanting(name: string, depsOf: (t: string) => string[]): string[] {
    const seen = new Set<string>();
    const stack = [...new Set(Object.values(RUNLEVEL_TARGETS))];
    const wanting: string[] = [];
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (seen.has(t)) continue;
      seen.add(t);
      const deps = depsOf(t);
      if (deps.includes(name)) wanting.push(t);
      for (const d of deps) if (d.endsWith('.target')) stack.push(d);
    }
    return wanting;
  }

  enable(names: string[]): LinkChange {
    return this.apply(planEnable(names, this.installPaths()));
  }

  disable(names: string[]): LinkChange {
    return this.apply(planDisable(names, this.installPaths()));
  }

  mask(names: string[]): LinkChange {
    return this.apply(planMask(names, this.installPaths()));
  }

  unmask(names: string[]): LinkChange {
    return this.apply(planUnmask(names, this.installPaths()));
  }

  // --- Enablement: what chkconfig, ntsysv and `hearth enable` see ----------

  get(unit: EnablementUnit): LevelFlags | null {
    const on = this.levelsOf(unit.name);
    return [0, 1, 2, 3, 4, 5, 6].map((l) => on.includes(l)) as LevelFlags;
  }

  add(unit: EnablementUnit): void {
    this.orThrow(this.enable([unit.name]));
  }

  del(unit: EnablementUnit): void {
    this.orThrow(this.disable([unit.name]));
  }

  /** Levels cannot be chosen one by one for a unit file: like Red Hat's chkconfig, this enables or disables it as a whole. */
  set(unit: EnablementUnit, _levels: readonly number[], on: boolean): void {
    this.orThrow(on ? this.enable([unit.name]) : this.disable([unit.name]));
  }

  reset(unit: EnablementUnit): void {
    this.orThrow(this.enable([unit.name]));
  }

  resetPriorities(): void {}

  override(): boolean {
    return false;
  }

  bootEnabled(): boolean {
    return false;
  }

  private orThrow(change: LinkChange): void {
    if (!change.ok) throw new HearthError('ERR_BAD_REQUEST', change.errors.join('; '));
  }

  private installPaths() {
    return { searchPath: this.paths.searchPath, configPath: this.paths.linkDir, ...(this.paths.host ? { host: this.paths.host } : {}) };
  }

  private forget(): void {
    this.loader = undefined;
    this.levels.clear();
  }

  private apply(plan: LinkPlan): LinkChange {
    if (plan.errors.length > 0) return { ok: false, lines: [], warnings: plan.warnings, errors: plan.errors };
    const lines: string[] = [];
    try {
      for (const op of plan.ops) {
        if (op.op === 'unlink') {
          rmSync(op.path, { force: true });
          lines.push(`Removed "${op.path}".`);
        } else {
          mkdirSync(dirname(op.path), { recursive: true, mode: 0o755 });
          if (op.replace) rmSync(op.path, { force: true });
          symlinkSync(op.target, op.path);
          lines.push(op.target === '/dev/null' ? `Created symlink ${op.path} → /dev/null.` : `Created symlink ${op.path} → ${op.target}.`);
        }
      }
    } catch (e) {
      return { ok: false, lines, warnings: plan.warnings, errors: [`Failed to change unit files: ${(e as Error).message}`] };
    } finally {
      if (plan.ops.length > 0) {
        this.forget();
        this.changed();
      }
    }
    return { ok: true, lines, warnings: plan.warnings, errors: [] };
  }
}
