/**
 * Runlevels as hearthd lives them: which units are enabled where (a JSON store
 * in the state dir, or a real rc0.d…rc6.d tree when the config dir has one),
 * the current and previous level, and switching between levels in dependency
 * order with independent units in parallel. The planning itself is in
 * src/runlevels; this file feeds it the daemon's units and actions.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HearthEvent } from '../model/index.js';
import { ALL_LEVELS } from './levels.js';
import { isBootEnabled, isEnabledIn, type Enablement, type EnablementUnit } from './enablement.js';
import { JsonEnablementStore } from './json-store.js';
import { SysvTreeEnablement } from './sysv-tree.js';
import { RoutedEnablement } from './routed-enablement.js';
import { planStart, type OrderUnit } from './order.js';
import { runPlan, type RunReport } from './scheduler.js';
import { joinReports, planTransition, runTransition, type TransitionReport } from './transition.js';
import { loadFacilities, type Facilities } from './facilities.js';
import { saveTransition, loadTransition, type StoredTransition, type TransitionKind } from './report-store.js';

export interface RunlevelUnit {
  order: OrderUnit;
  enable: EnablementUnit;
}

export interface UnitCatalog {
  units(): RunlevelUnit[];
  /** One unit by name, without building them all (list and status ask per service). */
  unit(name: string): RunlevelUnit | undefined;
  isRunning(name: string): boolean;
  /** Resolves when the unit is ready, rejects when it cannot start. */
  start(name: string): Promise<void>;
  stop(name: string): Promise<void>;
}

export class RunlevelHost {
  readonly enablement: Enablement;
  private currentLevel: number | null = null;
  private previousLevel: number | null = null;
  private switching: Promise<TransitionReport> | undefined;
  /** This hearthd began after an unclean stop (the level file was left behind). */
  private readonly startedAfterCrash: boolean;
  /** Whether the boot is known: recorded by this hearthd, or kept from the one that crashed. */
  private bootKnown: boolean | undefined;

  constructor(
    private readonly dirs: { stateDir: string; runtimeDir: string; configDir: string },
    private readonly catalog: UnitCatalog,
    private readonly emit: (e: HearthEvent) => void,
  ) {
    const rcRoot = dirs.configDir;
    const isSysvTree = [0, 1, 2, 3, 4, 5, 6].every((n) => existsSync(join(rcRoot, `rc${n}.d`)));
    this.enablement = new RoutedEnablement(
      isSysvTree
        ? new SysvTreeEnablement(rcRoot, () => this.catalog.units().filter((u) => !u.enable.own).map((u) => u.enable), { autoAdd: true })
        : new JsonEnablementStore(dirs.stateDir, undefined, (c) =>
            queueMicrotask(() => this.emit({ type: 'state.corrupt', at: c.at, file: c.file, keptAs: c.keptAs, reason: c.reason, recovered: "every unit follows its default runlevels until enabled or disabled again" })),
          ),
    );
    this.startedAfterCrash = this.recoveredLevel() !== undefined;
  }

  get current(): number | null {
    return this.currentLevel;
  }

  get previous(): number | null {
    return this.previousLevel;
  }

  /** The level a crashed hearthd was in, so a restart returns to it rather than the default. */
  recoveredLevel(): number | undefined {
    return readLevel(this.levelFile());
  }

  /** The target of a switch a crashed hearthd did not finish, so the next one completes it. */
  interruptedSwitch(): number | undefined {
    return readLevel(this.switchFile());
  }

  /** A clean stop: the next hearthd is a fresh start into its default level, not a recovery. */
  forgetLevel(): void {
    rmSync(this.levelFile(), { force: true });
    rmSync(this.switchFile(), { force: true });
  }

  isEnabled(name: string, level: number | null = this.currentLevel): boolean {
    if (level === null) return false;
    const unit = this.catalog.unit(name);
    return unit !== undefined && isEnabledIn(this.enablement, unit.enable, level);
  }

  /** On in the boot level S (Debian's rcS.d); undefined for a name that is not a runlevel unit. */
  bootOf(name: string): boolean | undefined {
    const unit = this.catalog.unit(name);
    return unit === undefined ? undefined : isBootEnabled(this.enablement, unit.enable);
  }

  /** On/off for levels 0..6; undefined for a name that is not a runlevel unit. */
  levelsOf(name: string): boolean[] | undefined {
    const unit = this.catalog.unit(name);
    if (unit === undefined) return undefined;
    return ALL_LEVELS.map((level) => isEnabledIn(this.enablement, unit.enable, level));
  }

  /**
   * levelsOf, bootOf and isEnabled at once, with one look-up of the unit:
   * `hearth list` asks for every unit, and each look-up makes the unit's
   * runlevel view anew. Undefined for a name that is not a runlevel unit.
   */
  enablementOf(name: string): { levels: boolean[]; levelS: boolean; enabledNow: boolean } | undefined {
    const unit = this.catalog.unit(name);
    if (unit === undefined) return undefined;
    const level = this.currentLevel;
    return {
      levels: ALL_LEVELS.map((l) => isEnabledIn(this.enablement, unit.enable, l)),
      levelS: isBootEnabled(this.enablement, unit.enable),
      enabledNow: level !== null && isEnabledIn(this.enablement, unit.enable, level),
    };
  }

  /**
   * Boot: the boot level S first (every unit on in S, in order, to the end),
   * then everything enabled in the level, as sysvinit runs rcS before rc N.
   */
  async enter(level: number, defaultLevel: number = level): Promise<RunReport> {
    const previous = this.currentLevel;
    const at = Date.now();
    this.setLevel(level);
    const units = this.catalog.units();
    const { order, facilities } = this.ordering(units);
    const boot = units.filter((u) => isBootEnabled(this.enablement, u.enable)).map((u) => u.order.name);
    const running = units.map((u) => u.order.name).filter((n) => this.catalog.isRunning(n));
    const bootPlan = planStart(order, boot, { running, facilities });
    this.reportCycles(bootPlan.cycles);
    const bootReport = await runPlan(bootPlan, (n) => this.catalog.start(n));
    const wanted = units.filter((u) => isEnabledIn(this.enablement, u.enable, level)).map((u) => u.order.name);
    const plan = planStart(order, wanted, { running: [...new Set([...running, ...boot])], facilities });
    this.reportCycles(plan.cycles);
    const report = joinReports(bootReport, await runPlan(plan, (n) => this.catalog.start(n)));
    const empty: RunReport = { kind: 'stop', startedAt: report.startedAt, finishedAt: report.startedAt, units: [], cycles: [] };
    this.record({ level, previous, at, stop: empty, start: report }, defaultLevel);
    return report;
  }

  /**
   * hearthd is stopping (SIGTERM): everything down, in stop order. It is not
   * a runlevel switch, so nothing of it is recorded, and the level is
   * forgotten first (a hearthd killed in the middle of its stop comes back
   * in its default level, not in 0) and again at the end (a switch that was
   * under way may have written it meanwhile).
   */
  stopAll(defaultLevel: number): Promise<TransitionReport> {
    this.forgetLevel();
    return this.switchTo(0, defaultLevel, { record: false }).finally(() => this.forgetLevel());
  }

  /** `hearth init N`: stops what is not enabled in N (in stop order), then starts what is. */
  switchTo(level: number, defaultLevel: number, options: { record?: boolean } = {}): Promise<TransitionReport> {
    const record = options.record !== false;
    const run = (this.switching ?? Promise.resolve()).catch(() => undefined).then(async () => {
      const previous = this.currentLevel;
      const at = Date.now();
      const units = this.catalog.units();
      const { order, facilities } = this.ordering(units);
      const transition = planTransition({
        units: order,
        running: units.map((u) => u.order.name).filter((n) => this.catalog.isRunning(n)),
        target: level,
        isEnabled: (name, l) => this.isEnabled(name, l),
        // A boot-level unit stays up in 1-5 unless its Default-Stop names the level (nfs-common: 0 1 6).
        isBoot: (name) => this.bootOf(name) === true && !(this.catalog.unit(name)?.enable.stopLevels ?? []).includes(level),
        defaultLevel,
        facilities,
      });
      this.reportCycles([...transition.start.cycles, ...transition.boot.cycles, ...transition.stop.cycles]);
      this.setLevel(level, record);
      if (record) writeFileSync(this.switchFile(), `${level}\n`);
      const report = await runTransition(transition, { start: (n) => this.catalog.start(n), stop: (n) => this.catalog.stop(n) });
      if (record) rmSync(this.switchFile(), { force: true });
      if (transition.finalLevel !== level) this.setLevel(transition.finalLevel, record);
      if (record) this.record({ level: transition.finalLevel, previous, at, stop: report.stop, start: report.start }, defaultLevel);
      return report;
    });
    this.switching = run;
    return run;
  }

  /** The units' order with insserv.conf applied: its facilities, and <interactive> names that run alone. */
  private ordering(units: RunlevelUnit[]): { order: OrderUnit[]; facilities: Facilities['facilities'] } {
    const { facilities, interactive } = loadFacilities(this.dirs.configDir);
    const order = units.map((u) => {
      const names = [u.order.name, ...(u.order.provides ?? [])];
      return names.some((n) => interactive.has(n)) ? { ...u.order, interactive: true } : u.order;
    });
    return { order, facilities };
  }

  /** For `hearth analyze`: the boot, or the last transition (which may be the boot). */
  transition(which: TransitionKind): StoredTransition | undefined {
    return loadTransition(this.dirs, which);
  }

  /** `persist`: written to the runtime dir for crash recovery (not while hearthd itself stops). */
  private setLevel(level: number, persist = true): void {
    if (this.currentLevel !== level) {
      this.previousLevel = this.currentLevel;
      this.currentLevel = level;
    }
    if (persist) {
      try {
        writeFileSync(this.levelFile(), `${level}\n`);
      } catch {
        // the runtime dir is gone: only crash recovery loses the level
      }
    }
    this.emit({ type: 'runlevel.changed', at: Date.now(), from: this.previousLevel, to: level });
  }

  /** Keeps a finished transition as the last one, and as the boot when it is the first entry into the default level. */
  private record(t: Omit<StoredTransition, 'boot'>, defaultLevel: number): void {
    const boot = this.takesBoot(t.level, defaultLevel);
    const stored: StoredTransition = { ...t, boot };
    this.save('last', stored);
    if (boot) this.save('boot', stored);
  }

  /**
   * The boot is the first entry into the default level since hearthd started.
   * After an unclean stop the new hearthd adopted what was running, so the
   * boot the crashed one recorded still describes those services: keep it.
   */
  private takesBoot(level: number, defaultLevel: number): boolean {
    this.bootKnown ??= this.startedAfterCrash && loadTransition(this.dirs, 'boot') !== undefined;
    if (this.bootKnown || level !== defaultLevel) return false;
    this.bootKnown = true;
    return true;
  }

  private save(which: TransitionKind, t: StoredTransition): void {
    try {
      saveTransition(this.dirs, which, t);
    } catch {
      // analyze has nothing to show; the switch itself worked
    }
  }

  private reportCycles(cycles: string[][]): void {
    for (const c of cycles) {
      this.emit({ type: 'runlevel.cycle', at: Date.now(), units: c });
    }
  }

  private switchFile(): string {
    return join(this.dirs.runtimeDir, 'runlevel-switch');
  }

  private levelFile(): string {
    return join(this.dirs.runtimeDir, 'runlevel');
  }
}

/** A level file holds one digit; anything else (empty, torn, edited) is no level. */
function readLevel(file: string): number | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return /^[0-6]$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}
