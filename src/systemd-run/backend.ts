/**
 * systemd units as a kind of unit: .service units run by hearth's own
 * supervisor (a second instance, with the units' definitions), .socket,
 * .timer and .target units by their runtimes here. Everything else hearthd
 * does with units (list, status, runlevels, chkconfig, the GUI) reaches them
 * through UnitBackend, like any other kind.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import { HearthError, describeError } from '../errors/index.js';
import { compareNames, type HearthEvent, type ServiceState, type ServiceStatus } from '../model/index.js';
import type { RunlevelUnit } from '../runlevels/index.js';
import { Supervisor, type SupervisorOptions } from '../supervisor/index.js';
import { readHostFacts, runlevelsFor, type SystemdUnit } from '../systemd/index.js';
import type { ApplyReport, EnableOutcome, RecoveryReport, UnitAction, UnitBackend, UnitDetail } from '../units/index.js';
import { reloadUnit, restartUnit, startUnit, stopUnit, type JobContext, type OtherUnits } from './jobs.js';
import { orderUnit } from './ordering.js';
import { UnitFiles } from './unit-files.js';
import { UnitState } from './unit-state.js';
import { unitDetail, unitStatus } from './views.js';

export interface SystemdBackendOptions extends Pick<SupervisorOptions, 'tracking' | 'logSink' | 'logSettingsChanged' | 'configDir' | 'notifyDir' | 'spawner'> {
  emit(e: HearthEvent): void;
  runtimeDir: string;
  /** Its services' records for crash recovery, under runtimeDir: named by hearthd, which looks there at boot before it loads this backend. */
  runtimeStateDir: string;
  stateDir: string;
  /** Units of other kinds, for dependencies across kinds. */
  others: OtherUnits;
}

const STAMPS_FILE = 'systemd-timers.json';

/** JSON of a unit's settings for "did it change?" (capability sets are bigints). */
function fingerprint(u: SystemdUnit): string {
  return JSON.stringify({ u: u.unit, s: u.socket, t: u.timer, i: u.install, f: u.fragmentPath, d: u.dropIns, l: u.loadState }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString(16) : v));
}

export class SystemdBackend implements UnitBackend {
  readonly kind = 'systemd';
  private readonly supervisor: Supervisor;
  private readonly state: UnitState;
  private readonly files = new UnitFiles({ searchPath: [], linkDir: '' });
  private readonly jobs: JobContext;
  private readonly managerStartedAt = Date.now();
  private stamps: Record<string, number>;

  constructor(private readonly o: SystemdBackendOptions) {
    const dir = join(o.runtimeDir, 'systemd');
    this.stamps = this.loadStamps();
    this.supervisor = new Supervisor({
      tracking: o.tracking,
      // Cgroups NAME.systemd ("nginx.service.systemd"): apart from hearth's own services.
      trackingKind: 'systemd',
      logSink: o.logSink,
      ...(o.logSettingsChanged ? { logSettingsChanged: o.logSettingsChanged } : {}),
      ...(o.spawner ? { spawner: o.spawner } : {}),
      configDir: o.configDir,
      emit: (e) => this.observe(e),
      notifyDir: o.notifyDir,
      fifoDir: join(dir, 'output'),
      runtimeStateDir: o.runtimeStateDir,
      heldSockets: (name) => this.heldFor(name),
      connection: (name) => this.state.connections.get(name),
    });
    this.state = new UnitState(
      this.supervisor,
      {
        controlDir: join(dir, 'sockets'),
        startService: (name) => startUnit(this.jobs, name),
        startInstance: (name, socket, c) => this.state.startInstance(name, socket, c),
        problem: (name, message) => this.note(name, message),
        changed: () => undefined,
      },
      {
        startUnit: (name) => startUnit(this.jobs, name),
        unitTimes: (name) => this.state.times.get(name) ?? { activeAt: null, inactiveAt: null },
        lastTrigger: (name) => this.stamps[name] ?? null,
        recordTrigger: (name, at, persistent) => this.recordTrigger(name, at, persistent),
        failed: (name, message) => this.note(name, message),
        changed: () => undefined,
        managerStartedAt: this.managerStartedAt,
      },
    );
    this.jobs = { state: this.state, others: o.others, host: () => this.state.config?.host, note: (name, m) => this.note(name, m) };
  }

  /** hearthd's start: the notify directory must exist before any unit starts. */
  open(): Promise<void> {
    return this.supervisor.open();
  }

  /** Its own files' enablement, for `systemctl enable` and friends. */
  get unitFiles(): UnitFiles {
    return this.files;
  }

  async apply(config: LoadedConfig, phase: 'boot' | 'reload'): Promise<ApplyReport> {
    const report: ApplyReport = { added: [], changed: [], removed: [], unchanged: [] };
    const sd = config.systemd;
    this.state.config = sd;
    // Without units, a unit file put there later can still be enabled or masked before the reload that loads it.
    const empty = config.emptySystemdDirs;
    this.files.update(sd ? { searchPath: sd.searchPath, linkDir: sd.linkDir, host: sd.host } : empty ? { ...empty, host: readHostFacts() } : { searchPath: [], linkDir: '' });
    const next = new Map((sd?.units ?? []).map((u) => [u.name, u]));
    for (const [name, old] of [...this.state.units]) {
      if (next.has(name) || this.state.instanceOf.has(name)) continue;
      // Instances of templates made on demand stay while their template is there.
      if (old.template && sd?.loader.directory.fragmentOf(name)) continue;
      if (phase === 'reload') await stopUnit(this.jobs, name).catch(() => undefined);
      if (this.supervisor.has(name)) await this.supervisor.remove(name);
      this.state.remove(name);
      report.removed.push(name);
    }
    for (const u of next.values()) {
      const old = this.state.units.get(u.name);
      const def = sd!.definitions.get(u.name);
      let outcome: 'added' | 'changed' | 'unchanged' = old === undefined ? 'added' : fingerprint(old) === fingerprint(u) ? 'unchanged' : 'changed';
      if (u.type === 'service') {
        if (def) {
          this.state.refused.delete(u.name);
          const defined = await this.supervisor.define(def);
          if (old !== undefined) outcome = defined === 'unchanged' && outcome === 'unchanged' ? 'unchanged' : 'changed';
        } else {
          const refusals = sd!.diagnostics.filter((d) => d.unit === u.name && d.severity === 'error').map((d) => d.message);
          this.state.refused.set(u.name, refusals.length ? refusals : [`${u.name} is ${u.loadState}`]);
          // A running service whose unit is now broken keeps its last good definition.
        }
      } else if (outcome === 'changed') await this.replace(u, phase);
      this.state.add(u);
      report[outcome].push(u.name);
    }
    this.supervisor.prepareOutputs();
    return report;
  }

  /** A changed socket, timer or target: the new one takes over, running again if the old one was. */
  private async replace(u: SystemdUnit, phase: 'boot' | 'reload'): Promise<void> {
    const wasUp = this.state.isUp(u.name);
    if (wasUp) await stopUnit(this.jobs, u.name).catch(() => undefined);
    this.state.sockets.delete(u.name);
    this.state.timers.delete(u.name);
    this.state.add(u);
    if (wasUp && phase === 'reload') await startUnit(this.jobs, u.name).catch((e) => this.note(u.name, describeError(e)));
  }

  recover(): RecoveryReport {
    return this.supervisor.recover();
  }

  names(): readonly string[] {
    return [...this.state.units.keys()];
  }

  has(name: string): boolean {
    return this.state.canonical(name) !== undefined;
  }

  lists(name: string): boolean {
    return this.state.units.has(name);
  }

  list(): ServiceStatus[] {
    return [...this.state.units.keys()].sort(compareNames).map((n) => unitStatus(this.state, n));
  }

  async detail(name: string): Promise<UnitDetail | undefined> {
    const own = this.state.canonical(name);
    return own === undefined ? undefined : unitDetail(this.state, this.files, own);
  }

  async act(name: string, action: UnitAction): Promise<ServiceState> {
    const own = this.state.canonical(name);
    if (own === undefined) throw new HearthError('ERR_UNKNOWN_SERVICE', `Unit ${name} not found.`);
    if (action === 'start') await startUnit(this.jobs, own);
    else if (action === 'stop') await stopUnit(this.jobs, own);
    else if (action === 'restart') await restartUnit(this.jobs, own);
    else await reloadUnit(this.jobs, own);
    return this.state.stateOf(own);
  }

  runlevelUnit(name: string): RunlevelUnit | undefined {
    const own = this.state.canonical(name);
    const u = own !== undefined ? this.state.units.get(own) : undefined;
    // Targets are reached by what they pull in; templates, instances of connections and refused units have no levels.
    if (!u || u.type === 'target' || u.loadState !== 'loaded' || this.state.refused.has(u.name) || this.state.instanceOf.has(u.name)) return undefined;
    const activates = u.type === 'socket' ? [this.state.sockets.get(u.name)!.service] : [];
    return {
      order: orderUnit(u, (n) => this.state.units.has(n), activates),
      enable: {
        name: u.name,
        defaultLevels: runlevelsFor([...u.install.wantedBy, ...u.install.requiredBy], () => []),
        own: this.files,
      },
    };
  }

  isUp(name: string): boolean {
    const own = this.state.canonical(name);
    return own !== undefined && this.state.isUp(own);
  }

  /** `hearth enable|disable`: the unit's links, then a reload so the units are read with them. */
  setEnabled(name: string, _levels: number[] | undefined, on: boolean): Promise<EnableOutcome> | undefined {
    const own = this.state.canonical(name);
    if (own === undefined) return undefined;
    const change = on ? this.files.enable([own]) : this.files.disable([own]);
    if (!change.ok) return Promise.reject(new HearthError('ERR_BAD_REQUEST', change.errors.join('; ')));
    const levels = this.files.levelsOf(own);
    return Promise.resolve({ name: own, levels: [0, 1, 2, 3, 4, 5, 6].map((l) => levels.includes(l)), reload: true });
  }

  /** `systemctl kill`: how many processes (0 or 1 per group reached) got the signal. */
  kill(name: string, signal: NodeJS.Signals, whom: 'main' | 'control' | 'all'): number | undefined {
    const own = this.state.canonical(name);
    if (own === undefined || !this.supervisor.has(own)) return undefined;
    return this.supervisor.get(own).signal?.(signal, whom) ?? 0;
  }

  /** A loaded unit by any name it answers to (for systemctl cat and show). */
  unit(name: string): SystemdUnit | undefined {
    return this.state.unit(name);
  }

  /** Every unit file on the search path (templates too), for list-unit-files. */
  unitFileNames(): Array<{ name: string; path: string }> {
    const dir = this.state.config?.loader.directory;
    if (!dir) return [];
    return dir
      .unitNames()
      .map((name) => ({ name, path: dir.fragmentOf(name)?.path ?? '' }))
      .filter((f) => f.path !== '')
      .sort((a, b) => compareNames(a.name, b.name));
  }

  ownerOf(pid: number): string | undefined {
    return this.supervisor.ownerOf(pid)?.name;
  }

  async shutdown(): Promise<void> {
    for (const t of this.state.timers.values()) t.stop();
    await this.supervisor.stopAll();
    await Promise.all([...this.state.sockets.values()].map((s) => s.stop()));
    this.supervisor.forgetRuntimeState();
    this.supervisor.close();
  }

  // --- internals -------------------------------------------------------------

  private heldFor(service: string): Array<{ controlPath: string; names: string[] }> {
    const u = this.state.units.get(service);
    const listed = u?.service?.sockets ?? [];
    const out: Array<{ controlPath: string; names: string[] }> = [];
    for (const sock of this.state.sockets.values()) {
      if (sock.accept || (this.state.canonical(sock.service) !== service && !listed.includes(sock.unit.name))) continue;
      const held = sock.held();
      if (held) out.push(held);
    }
    return out;
  }

  /** Every event of the units' supervisor passes here on its way to the bus. */
  private observe(e: HearthEvent): void {
    this.o.emit(e);
    this.state.observe(e, (name, to) => queueMicrotask(() => this.reactTo(name, to)));
  }

  /** A service changed state: sockets watch again, connection instances go, OnFailure=/OnSuccess=/BindsTo= follow. */
  private reactTo(name: string, to: ServiceState): void {
    const inactive = to === 'stopped' || to === 'exited' || to === 'failed';
    if (!inactive) return;
    for (const s of this.state.sockets.values()) if (!s.accept && this.state.canonical(s.service) === name) s.serviceEnded(to === 'failed');
    if (this.state.instanceOf.has(name)) void this.state.forgetInstance(name).catch(() => undefined);
    const u = this.state.units.get(name);
    const follow = to === 'failed' ? (u?.unit.onFailure ?? []) : to === 'exited' ? (u?.unit.onSuccess ?? []) : [];
    for (const f of follow) startUnit(this.jobs, f).catch((e) => this.note(f, `${to === 'failed' ? 'OnFailure' : 'OnSuccess'}= of ${name}: ${describeError(e)}`));
    for (const v of this.state.units.values()) {
      if (v.unit.bindsTo.includes(name) && this.state.isUp(v.name)) stopUnit(this.jobs, v.name).catch(() => undefined);
    }
  }

  private note(name: string, message: string): void {
    this.o.emit({ type: 'service.error', at: Date.now(), name, message });
  }

  private loadStamps(): Record<string, number> {
    try {
      return JSON.parse(readFileSync(join(this.o.stateDir, STAMPS_FILE), 'utf8')) as Record<string, number>;
    } catch {
      return {};
    }
  }

  private recordTrigger(name: string, at: number, persistent: boolean): void {
    this.stamps[name] = at;
    if (!persistent) return;
    try {
      mkdirSync(this.o.stateDir, { recursive: true });
      writeFileSync(join(this.o.stateDir, STAMPS_FILE), JSON.stringify(this.stamps));
    } catch (e) {
      this.note(name, `cannot record its last trigger: ${describeError(e)}`);
    }
  }
}
