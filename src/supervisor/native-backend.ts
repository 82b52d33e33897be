import { HearthError } from '../errors/index.js';
import { isUpState, type ServiceDefinition, type ServiceState, type ServiceStatus } from '../model/index.js';
import type { BrokenService, LoadedConfig } from '../config/index.js';
import { serviceEnablementUnit, serviceOrderUnit } from '../runlevels/index.js';
import type { ApplyReport, RecoveryReport, RunlevelUnit, UnitAction, UnitBackend, UnitDetail } from '../units/index.js';
import type { Supervisor } from './supervisor.js';
import { serviceSettings } from './settings-view.js';

/**
 * Native services and pools (services/NAME.toml without a schedule) as units.
 * A file that does not load is a "broken" unit of this kind: listed with its
 * errors, never started, and if it was running, it keeps its last good
 * definition until the file is fixed.
 */
export class NativeBackend implements UnitBackend {
  readonly kind = 'service';
  private broken = new Map<string, BrokenService>();

  constructor(private readonly supervisor: Supervisor) {}

  async apply(config: LoadedConfig, phase: 'boot' | 'reload'): Promise<ApplyReport> {
    const report: ApplyReport = { added: [], changed: [], removed: [], unchanged: [] };
    const wasBroken = new Set(this.broken.keys());
    this.broken = new Map(config.broken.map((b) => [b.name, b]));
    if (phase === 'reload') {
      const names = this.supervisor.names();
      // Indexed: in a reload of 10,000 services, a for-of makes an iterator result per name.
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        // A service whose file now has errors keeps its running definition.
        if (!config.services.has(name) && !this.broken.has(name)) {
          await this.supervisor.remove(name);
          report.removed.push(name);
        }
      }
      for (const name of wasBroken) if (!this.has(name)) report.removed.push(name);
    }
    // A definition the supervisor already holds (the file did not change) needs no step of its own.
    const defined: ServiceDefinition[] = [];
    config.services.forEach((def) => (this.supervisor.holds(def) ? report.unchanged.push(def.name) : defined.push(def)));
    await Promise.all(
      defined.map(async (def) => {
        const outcome = await this.supervisor.define(def);
        // A file fixed since the last load was listed (as broken) before: it changed, it was not added.
        report[outcome === 'added' && wasBroken.has(def.name) ? 'changed' : outcome].push(def.name);
      }),
    );
    // Broken files are listed too (as broken, or as the last good definition still running): count them as list shows them.
    for (const name of this.broken.keys()) {
      if (config.services.has(name)) continue;
      (this.supervisor.has(name) || wasBroken.has(name) ? report.unchanged : report.added).push(name);
    }
    // A reload makes the pipes of the services it added or redefined; the others have theirs since their own load.
    this.supervisor.prepareOutputs(phase === 'boot' ? undefined : [...report.added, ...report.changed]);
    return report;
  }

  recover(): RecoveryReport {
    return this.supervisor.recover();
  }

  names(): string[] {
    const names = this.supervisor.names();
    const orphans = this.supervisor.orphanNames();
    // Nearly always neither orphans nor broken files: then no set of every name is made.
    if (orphans.length === 0 && this.broken.size === 0) return names;
    return [...new Set([...names, ...orphans, ...this.broken.keys()])];
  }

  has(name: string): boolean {
    return this.supervisor.has(name) || this.supervisor.isOrphan(name) || this.broken.has(name);
  }

  lists(name: string): boolean {
    return this.has(name);
  }

  list(): ServiceStatus[] {
    const orphans = this.supervisor.orphanNames().map((n) => this.orphanStatus(n));
    const brokenOnly = [...this.broken.values()].filter((b) => !this.supervisor.has(b.name) && !this.supervisor.isOrphan(b.name)).map(brokenStatus);
    return [...this.supervisor.list(), ...orphans, ...brokenOnly];
  }

  /** A process a previous hearthd left running, whose definition is now broken or gone. */
  private orphanStatus(name: string): ServiceStatus {
    const broken = this.broken.get(name);
    const s = this.supervisor.orphanStatus(name, broken?.file)!;
    return broken ? { ...s, errors: broken.errors.map((e) => e.toString()) } : s;
  }

  async detail(name: string): Promise<UnitDetail | undefined> {
    const broken = this.broken.get(name);
    if (this.supervisor.isOrphan(name)) return this.orphanStatus(name);
    if (!this.supervisor.has(name)) return broken ? brokenStatus(broken) : undefined;
    const def = this.supervisor.definition(name)!;
    return {
      ...this.supervisor.status(name),
      extra: { ...this.supervisor.details(name), settings: serviceSettings(def) },
      // A service whose file is now broken keeps running its last good definition: say so.
      ...(broken ? { errors: broken.errors.map((e) => e.toString()) } : {}),
    };
  }

  async act(name: string, action: UnitAction): Promise<ServiceState> {
    if (this.supervisor.isOrphan(name)) {
      if (action !== 'stop') {
        throw new HearthError('ERR_SERVICE_BROKEN', `cannot ${action} "${name}": it runs without a definition (orphaned)`, {
          hint: `fix or restore its service file and run "hearth reload-config" (it is then adopted), or "hearth stop ${name}"`,
        });
      }
      await this.supervisor.stopOrphan(name);
      return 'stopped';
    }
    if (!this.supervisor.has(name)) {
      const broken = this.broken.get(name);
      if (broken) throw new HearthError('ERR_SERVICE_BROKEN', `cannot ${action} "${name}": its definition has errors: ${broken.errors[0]?.toString() ?? ''}`);
    }
    await this.supervisor[action](name);
    return this.supervisor.get(name).state;
  }

  runlevelUnit(name: string): RunlevelUnit | undefined {
    const def = this.supervisor.definition(name);
    return def && { order: serviceOrderUnit(def), enable: serviceEnablementUnit(def) };
  }

  isUp(name: string): boolean {
    if (this.supervisor.isOrphan(name)) return true;
    return this.supervisor.has(name) && isUpState(this.supervisor.get(name).state);
  }

  ownerOf(pid: number): string | undefined {
    return this.supervisor.ownerOf(pid)?.name;
  }

  async shutdown(): Promise<void> {
    await this.supervisor.stopAll();
    await this.supervisor.closeOutput();
    // A clean stop leaves nothing for the next hearthd to adopt.
    this.supervisor.forgetRuntimeState();
    this.supervisor.close();
  }
}

function brokenStatus(b: BrokenService): ServiceStatus {
  return {
    name: b.name,
    description: '',
    kind: 'service',
    state: 'broken',
    detail: b.errors[0]?.toString(),
    pid: null,
    startedAt: null,
    readyAt: null,
    restarts: 0,
    lastExit: null,
    source: b.file,
    errors: b.errors.map((e) => e.toString()),
  };
}
