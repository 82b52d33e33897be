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
import { planStart, type OrderUnit } from './order.js';
import { runPlan, type RunReport } from './scheduler.js';
import { joinReports, planTransition, runTransition, type TransitionReport } from './transition.js';
import { loadFacilities, type Facilities } from './facilities.js';
import { saveLastTransition, loadLastTransition, type StoredTransition } from './report-store.js';

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

  constructor(
    private readonly dirs: { stateDir: string; runtimeDir: string; configDir: string },
    private readonly catalog: UnitCatalog,
    private readonly emit: (e: HearthEvent) => void,
  ) {
    const rcRoot = dirs.configDir;
    const isSysvTree = [0, 1, 2, 3, 4, 5, 6].every((n) => existsSync(join(rcRoot, `rc${n}.d`)));
    this.enablement = isSysvTree
      ? new SysvTreeEnablement(rcRoot, () => this.catalog.units().map((u) => u.enable), { autoAdd: true })
      : new JsonEnablementStore(dirs.stateDir, undefined, (c) =>
          queueMicrotask(() => this.emit({ type: 'state.corrupt', at: c.at, file: c.file, keptAs: c.keptAs, reason: c.reason, recovered: "every unit follows its default runlevels until enabled or disabled again" })),
        );
  }

  get current(): number | null {
    return this.currentLevel;
  }

  get previous(): number | null {
    return this.previousLevel;
  }

  /** The level a crashed hearthd was in, so a restart returns to it rather than the default. */
  recoveredLevel(): number | undefined {
    try {
      const text = readFileSync(this.levelFile(), 'utf8').trim();
      // A clean stop leaves the file empty, and Number('') is 0: that must not mean "runlevel 0".
      const n = /^[0-6]$/.test(text) ? Number(text) : NaN;
      return Number.isInteger(n) ? n : undefined;
    } catch {
      return undefined;
    }
  }

  /** The target of a switch a crashed hearthd did not finish, so the next one completes it. */
  interruptedSwitch(): number | undefined {
    try {
      const text = readFileSync(this.switchFile(), 'utf8').trim();
      return /^[0-6]$/.test(text) ? Number(text) : undefined;
    } catch {
      return undefined;
    }
  }

  forgetLevel(): void {
    try {
      writeFileSync(this.levelFile(), '');
    } catch {
      // nothing to forget
    }
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
   * Boot: the boot level S first (every unit on in S, in order, to the end),
   * then everything enabled in the level, as sysvinit runs rcS before rc N.
   */
  async enter(level: number): Promise<RunReport> {
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
    this.save({ level, stop: empty, start: report });
    return report;
  }

  /** `hearth init N`: stops what is not enabled in N (in stop order), then starts what is. */
  switchTo(level: number, defaultLevel: number): Promise<TransitionReport> {
    const run = (this.switching ?? Promise.resolve()).catch(() => undefined).then(async () => {
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
      this.setLevel(level);
      writeFileSync(this.switchFile(), `${level}\n`);
      const report = await runTransition(transition, { start: (n) => this.catalog.start(n), stop: (n) => this.catalog.stop(n) });
      rmSync(this.switchFile(), { force: true });
      if (transition.finalLevel !== level) this.setLevel(transition.finalLevel);
      this.save({ level: transition.finalLevel, stop: report.stop, start: report.start });
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

  lastTransition(): StoredTransition | undefined {
    return loadLastTransition(this.dirs.stateDir);
  }

  private setLevel(level: number): void {
    if (this.currentLevel !== level) {
      this.previousLevel = this.currentLevel;
      this.currentLevel = level;
    }
    try {
      writeFileSync(this.levelFile(), `${level}\n`);
    } catch {
      // the runtime dir is gone: only crash recovery loses the level
    }
    this.emit({ type: 'runlevel.changed', at: Date.now(), from: this.previousLevel, to: level });
  }

  private save(t: StoredTransition): void {
    try {
      saveLastTransition(this.dirs.stateDir, t);
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
