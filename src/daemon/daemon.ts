/**
 * The composition root: wires config loading, the supervisor, the journal and
 * the control API into one daemon. It implements the DaemonApi the control
 * server translates HTTP to; no other module knows about all the parts.
 */
import { mkdirSync, chmodSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HearthError, describeError } from '../errors/index.js';
import type { HearthEvent, ServiceStatus } from '../model/index.js';
import { compareNames, didYouMean } from '../model/index.js';
import { findDaemon, audit as runAudit, type AuditReport } from '../catalog/index.js';
import { collectAuditInput } from './audit-input.js';
import { inetdSettings, serviceSettings } from './settings-view.js';
import { TimerHost } from './timer-host.js';
import { AtQueue, type AtJob } from './at-queue.js';
import { EventBus } from '../events/index.js';
import { loadConfigDir, loadDaemonSettings, loadSysvScripts, parseSysvScript, type DaemonSettings, type LoadedConfig } from '../config/index.js';
import { Supervisor, describeExit, type RecoveryReport } from '../supervisor/index.js';
import { Journal } from '../journal/index.js';
import { InetdHost, SUPER_SERVER_NAME } from './inetd.js';
import { SysvUnits } from './sysv-units.js';
import { SyslogReceiver } from '../syslog/index.js';
import { RunlevelHost, type RunlevelUnit, type UnitCatalog } from './runlevel-host.js';
import {
  chkconfigUsage,
  parseChkconfigArgs,
  runChkconfig,
  serviceEnablementUnit,
  serviceOrderUnit,
  sysvEnablementUnit,
  sysvOrderUnit,
  type EnablementUnit,
  type RunReport,
  type StoredTransition,
} from '../runlevels/index.js';
import type {
  ActionResult,
  ClassicResult,
  EnableResult,
  RunlevelSwitchResult,
  ConfigReport,
  DaemonApi,
  DaemonInfo,
  LogQuery,
  LogRecord,
  ReloadReport,
  ServiceDetail,
} from '../control/daemon-api.js';

export interface DaemonOptions {
  configDir: string;
  stateDir: string;
  runtimeDir: string;
  logDir: string;
  /** Overrides hearth.toml's runlevel. */
  runlevel?: number;
  version?: string;
}

type ServiceAction = 'start' | 'stop' | 'restart' | 'reload';

export class Daemon implements DaemonApi {
  readonly bus = new EventBus();
  readonly options: DaemonOptions;
  private config: LoadedConfig | undefined;
  private supervisor!: Supervisor;
  private journal!: Journal;
  private inetd!: InetdHost;
  private sysv!: SysvUnits;
  private timers!: TimerHost;
  private at!: AtQueue;
  private runlevels!: RunlevelHost;
  private booting = false;
  private syslog: SyslogReceiver | undefined;
  private readonly startedAt = Date.now();
  private reloading: Promise<ReloadReport> | undefined;
  private recovery: RecoveryReport = { adopted: [], leftStopped: [], died: [], changed: [] };

  /**
   * hearth.toml as found at start: what must be known before the config dir is
   * loaded (control socket mode, log retention). Errors in it are reported by
   * the full load in boot().
   */
  readonly settings: DaemonSettings;

  constructor(options: DaemonOptions) {
    this.settings = loadDaemonSettings(resolve(options.configDir)).settings;
    this.options = {
      ...options,
      configDir: resolve(options.configDir),
      stateDir: resolve(options.stateDir),
      runtimeDir: resolve(options.runtimeDir),
      logDir: resolve(options.logDir),
    };
  }

  get socketPath(): string {
    return join(this.options.runtimeDir, 'hearth.sock');
  }

  /** Loads the config and brings up every service enabled in the runlevel. */
  async boot(): Promise<void> {
    const { stateDir, runtimeDir, logDir, configDir } = this.options;
    for (const dir of [stateDir, logDir]) mkdirSync(dir, { recursive: true });
    mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
    chmodSync(runtimeDir, 0o700);

    this.journal = new Journal({ dir: logDir, rotation: this.settings.logs });
    this.bus.subscribe((e) => this.journalEvent(e));
    this.supervisor = new Supervisor({
      emit: (e) => this.bus.emit(e),
      logSink: (def) => {
        const writer = this.journal.writer(def.name, def.log);
        return {
          write: (stream, chunk) => writer.write(stream, chunk),
          end: () => writer.end(),
          sync: () => this.journal.flushService(def.name, false),
        };
      },
      configDir,
      notifyDir: join(runtimeDir, 'notify'),
      fifoDir: join(runtimeDir, 'output'),
      runtimeStateDir: join(runtimeDir, 'services'),
    });
    await this.supervisor.open();
    // Created before any config is read, so the control API can answer during a long boot.
    this.inetd = new InetdHost({
      emit: (e) => this.bus.emit(e),
      journal: this.journal,
      portOffset: 0,
      configDir,
    });

    this.sysv = new SysvUnits((e) => this.bus.emit(e), this.journal);
    this.at = new AtQueue({ stateDir, journal: this.journal, emit: (e) => this.bus.emit(e) });
    this.timers = new TimerHost({
      configDir,
      stateDir,
      journal: this.journal,
      emit: (e) => this.bus.emit(e),
      runlevel: () => this.runlevels?.current ?? null,
      startService: async (name) => {
        const [r] = await this.start([name]);
        if (r && !r.ok) throw new Error(r.error?.message ?? `cannot start "${name}"`);
      },
    });
    this.runlevels = new RunlevelHost({ stateDir, runtimeDir, configDir }, this.catalog, (e) => this.bus.emit(e));

    this.config = await loadConfigDir(configDir);
    this.reportConfigProblems(this.config);
    this.loadSysvScripts();
    // After an unclean stop, return to the level hearthd was in, not the default.
    const recoveredLevel = this.supervisor.hasRuntimeState() ? this.runlevels.recoveredLevel() : undefined;
    const level = this.options.runlevel ?? recoveredLevel ?? this.config.settings.runlevel;
    for (const def of this.config.services.values()) await this.supervisor.define(def);
    this.supervisor.prepareOutputs();
    this.recovery = this.supervisor.recover();
    if (this.recovery.adopted.length + this.recovery.died.length + this.recovery.leftStopped.length > 0) {
      const { adopted, died, leftStopped } = this.recovery;
      this.log('warn', `recovered from an unclean stop: adopted [${adopted.join(', ')}], died meanwhile [${died.join(', ')}], left stopped [${leftStopped.join(', ')}]`);
    }
    await this.inetd.apply(this.config.inetd, this.config.hasInetdSources, this.config.settings.inetd.portOffset);
    await this.startSyslog(this.config.settings.syslog);
    this.timers.apply(this.config.timers.values(), this.config.cron.jobs, true);
    this.at.start();
    this.log('info', `hearthd ${this.options.version ?? ''} entering runlevel ${level} with ${this.catalog.units().length} services from ${configDir}`.replace('  ', ' '));
    this.booting = true;
    try {
      const interrupted = this.options.runlevel === undefined && recoveredLevel !== undefined ? this.runlevels.interruptedSwitch() : undefined;
      if (interrupted !== undefined) {
        // hearthd died during "init N": finish that switch, stopping what is not enabled in N.
        this.log('warn', `finishing the interrupted switch to runlevel ${interrupted}`);
        await this.runlevels.switchTo(interrupted, this.config.settings.runlevel);
      } else {
        await this.runlevels.enter(level);
      }
    } finally {
      this.booting = false;
    }
  }

  /** The syslog receiver: messages land in the journal under the service that sent them. */
  private async startSyslog(settings: { socket?: string; udpPort?: number }): Promise<void> {
    if (settings.socket === 'off' && settings.udpPort === undefined) return;
    this.syslog = new SyslogReceiver({
      journal: this.journal,
      ...(settings.socket !== 'off' ? { socketPath: settings.socket ?? join(this.options.runtimeDir, 'syslog.sock') } : {}),
      ...(settings.udpPort !== undefined ? { udpPort: settings.udpPort } : {}),
      attribute: (pid, app) => {
        if (pid !== undefined) return this.supervisor.ownerOf(pid)?.name;
        return app !== undefined && this.supervisor.has(app) ? app : undefined;
      },
    });
    try {
      await this.syslog.start();
    } catch (e) {
      this.log('warn', `syslog receiver not started: ${describeError(e)}`);
      this.syslog = undefined;
    }
  }

  /** The super-server is on where `xinetd` is enabled: 2–5 by default, as on the classic systems. */
  private superServerWanted(): boolean {
    return this.inetd.isPresent && this.runlevels.isEnabled(SUPER_SERVER_NAME);
  }

  private loadSysvScripts(): void {
    const loaded = loadSysvScripts(join(this.options.configDir, 'init.d'));
    for (const e of loaded.errors) this.log('error', e.toString());
    this.sysv.load(loaded.scripts.filter((s) => !this.supervisor.has(s.name) && s.name !== SUPER_SERVER_NAME));
  }

  /** Every unit the runlevel machinery orders and enables: native, SysV, and the super-server. */
  private readonly catalog: UnitCatalog = {
    unit: (name) => {
      const def = this.supervisor.definition(name);
      if (def) return { order: serviceOrderUnit(def), enable: serviceEnablementUnit(def) };
      const script = this.sysv.script(name);
      if (script) return { order: sysvOrderUnit(script), enable: sysvEnablementUnit(script) };
      if (name === SUPER_SERVER_NAME && this.inetd?.isPresent) {
        return { order: { name: SUPER_SERVER_NAME, provides: ['inetd'] }, enable: { name: SUPER_SERVER_NAME, defaultLevels: [2, 3, 4, 5] } };
      }
      return undefined;
    },
    units: () =>
      [...new Set([...this.supervisor.names(), ...this.sysv.names(), SUPER_SERVER_NAME])]
        .map((name) => this.catalog.unit(name))
        .filter((u): u is RunlevelUnit => u !== undefined),
    isRunning: (name) => {
      if (this.supervisor.has(name)) return !['stopped', 'exited', 'failed', 'broken'].includes(this.supervisor.get(name).state);
      if (name === SUPER_SERVER_NAME) return this.inetd.superServerEnabled;
      return this.sysv.isRunning(name);
    },
    start: async (name) => {
      if (this.booting && this.keptDown(name)) return;
      if (this.supervisor.has(name)) await this.supervisor.start(name);
      else if (name === SUPER_SERVER_NAME) await this.inetd.setEnabled(true);
      else if (this.sysv.has(name)) await this.sysv.act(name, 'start');
    },
    stop: async (name) => {
      if (this.supervisor.has(name)) await this.supervisor.stop(name);
      else if (name === SUPER_SERVER_NAME) await this.inetd.setEnabled(false);
      else if (this.sysv.has(name)) await this.sysv.act(name, 'stop');
    },
  };

  /** Stops every service in reverse dependency order (SIGTERM path) and releases what the daemon holds. */
  async shutdown(): Promise<void> {
    this.log('info', 'stopping all services');
    await this.runlevels.switchTo(0, this.config?.settings.runlevel ?? 3).catch((e) => this.log('error', `ordered stop failed: ${describeError(e)}`));
    // Whatever the plan could not reach (a cycle, a unit that refused) goes now.
    await Promise.all([this.supervisor.stopAll(), this.inetd.stop()]);
    this.timers.stop();
    this.at.stop();
    this.supervisor.forgetRuntimeState();
    this.runlevels.forgetLevel();
    this.syslog?.stop();
    this.supervisor.close();
    this.log('info', 'hearthd stopped');
    this.journal.close();
  }

  private enabledInRunlevel(name: string): boolean {
    return this.runlevels.isEnabled(name);
  }

  /** The enablement fields every status carries: now, and per level 0..6. */
  private enablementOf(name: string): Pick<ServiceStatus, 'enabled' | 'levels'> {
    const levels = this.runlevels.levelsOf(name);
    return { enabled: this.enabledInRunlevel(name), ...(levels ? { levels } : {}) };
  }

  /** After a crash, the operator's stops and restart = "never" still hold. */
  private keptDown(name: string): boolean {
    if (this.recovery.leftStopped.includes(name)) return true;
    return this.recovery.died.includes(name) && this.supervisor.definition(name)?.restart === 'never';
  }

  // --- DaemonApi -------------------------------------------------------------

  info(): DaemonInfo {
    return {
      pid: process.pid,
      version: this.options.version ?? '0.0.0',
      startedAt: this.startedAt,
      configDir: this.options.configDir,
      stateDir: this.options.stateDir,
      runtimeDir: this.options.runtimeDir,
      logDir: this.options.logDir,
      socketPath: this.socketPath,
      runlevel: this.runlevels?.current ?? null,
      previousRunlevel: this.runlevels?.previous ?? null,
    };
  }

  list(): ServiceStatus[] {
    const running = this.supervisor.list().map((s) => ({ ...s, ...this.enablementOf(s.name) }));
    const broken: ServiceStatus[] = (this.config?.broken ?? [])
      .filter((b) => !this.supervisor.has(b.name))
      .map((b) => ({
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
      }));
    const inetd = this.inetd.list().map((s) =>
      s.name === SUPER_SERVER_NAME
        ? { ...s, ...this.enablementOf(s.name), enabled: this.superServerWanted() }
        : { ...s, enabled: s.state !== 'stopped' },
    );
    const sysv = this.sysv.list().map((s) => ({ ...s, ...this.enablementOf(s.name) }));
    const timers = this.timers?.list() ?? [];
    return [...running, ...broken, ...inetd, ...sysv, ...timers].map(withCatalogDescription).sort((a, b) => compareNames(a.name, b.name));
  }

  async status(name: string): Promise<ServiceDetail | undefined> {
    const detail = await this.statusOf(name);
    return detail && withCatalogDescription(detail);
  }

  private async statusOf(name: string): Promise<ServiceDetail | undefined> {
    if (!this.supervisor.has(name) && this.timers.has(name)) {
      const status = this.timers.detail(name)!;
      return { ...status, recentLogs: await this.journal.query({ names: [name], lines: 10 }) };
    }
    if (!this.supervisor.has(name) && this.sysv.has(name)) {
      const status = await this.sysv.status(name);
      const recentLogs = await this.journal.query({ names: [name], lines: 10 });
      return { ...status, ...this.enablementOf(name), recentLogs };
    }
    if (!this.supervisor.has(name) && this.inetd.has(name)) {
      const found = this.inetd.detail(name);
      if (!found) return undefined;
      const def = this.inetd.definitions().find((d) => d.id === name);
      const detail = def ? { ...found, extra: { ...found.extra, settings: inetdSettings(def) } } : found;
      const recentLogs = await this.journal.query({ names: [name], lines: 10 });
      return { ...detail, recentLogs };
    }
    if (!this.supervisor.has(name)) {
      const broken = this.list().find((s) => s.name === name);
      return broken ? { ...broken, recentLogs: [] } : undefined;
    }
    const status = this.supervisor.status(name);
    const recentLogs = await this.journal.query({ names: [name], lines: 10 });
    // A service whose file is now broken keeps running its last good definition: say so.
    const brokenNow = this.config?.broken.find((b) => b.name === name);
    const def = this.supervisor.definition(name);
    const extra = { ...this.supervisor.details(name), ...(def ? { settings: serviceSettings(def) } : {}) };
    return {
      ...status,
      extra,
      ...this.enablementOf(name),
      ...(brokenNow ? { errors: brokenNow.errors.map((e) => e.toString()) } : {}),
      recentLogs,
    };
  }

  start(names: string[]): Promise<ActionResult[]> {
    return this.act('start', names);
  }

  stop(names: string[]): Promise<ActionResult[]> {
    return this.act('stop', names);
  }

  restart(names: string[]): Promise<ActionResult[]> {
    return this.act('restart', names);
  }

  reload(names: string[]): Promise<ActionResult[]> {
    return this.act('reload', names);
  }

  private async act(action: ServiceAction, names: string[]): Promise<ActionResult[]> {
    return Promise.all(
      names.map(async (name): Promise<ActionResult> => {
        try {
          if (!this.supervisor.has(name) && this.inetd.has(name)) return await this.actOnInetd(action, name);
          if (!this.supervisor.has(name) && this.timers.has(name)) return this.actOnTimer(action, name);
          if (!this.supervisor.has(name) && this.sysv.has(name)) return { name, ok: true, state: await this.sysv.act(name, action) };
          if (!this.supervisor.has(name)) {
            const broken = this.config?.broken.find((b) => b.name === name);
            if (broken) {
              throw new HearthError('ERR_SERVICE_BROKEN', `cannot ${action} "${name}": its definition has errors: ${broken.errors[0]?.toString() ?? ''}`);
            }
            throw new HearthError('ERR_UNKNOWN_SERVICE', `unknown service "${name}"`, {
              hint: didYouMean(name, [...this.supervisor.names(), ...this.inetd.names(), ...this.sysv.names()]),
            });
          }
          if (action === 'reload') await this.supervisor.reload(name);
          else await this.supervisor[action](name);
          return { name, ok: true, state: this.supervisor.get(name).state };
        } catch (e) {
          const err = e instanceof HearthError ? e : new HearthError('ERR_INTERNAL', describeError(e));
          return {
            name,
            ok: false,
            ...(this.supervisor.has(name) ? { state: this.supervisor.get(name).state } : {}),
            error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) },
          };
        }
      }),
    );
  }

  /** A timer: start runs it now, stop ends the run in progress, restart does both. */
  private actOnTimer(action: ServiceAction, name: string): ActionResult {
    if (action === 'reload') throw new HearthError('ERR_BAD_REQUEST', `cannot reload "${name}": it is a timer`, { hint: `"hearth start ${name}" runs it now` });
    if (action === 'stop' || action === 'restart') this.timers.stopRun(name);
    if (action === 'start' || action === 'restart') this.timers.runNow(name);
    return { name, ok: true, state: this.timers.detail(name)?.state ?? 'stopped' };
  }

  private async actOnInetd(action: ServiceAction, name: string): Promise<ActionResult> {
    if (name !== SUPER_SERVER_NAME) {
      throw new HearthError('ERR_BAD_REQUEST', `cannot ${action} "${name}" by itself: an inetd-style service listens whenever the super-server runs`, {
        hint: `switch it with "hearth chkconfig ${name} on|off", or ${action} "${SUPER_SERVER_NAME}"`,
      });
    }
    if (action === 'stop') await this.inetd.setEnabled(false);
    else if (action === 'start') await this.inetd.setEnabled(true);
    else if (action === 'restart') {
      await this.inetd.setEnabled(false);
      await this.inetd.setEnabled(true);
    } else await this.reloadConfig();
    return { name, ok: true, state: this.inetd.superServerEnabled ? 'running' : 'stopped' };
  }

  /** One reload at a time: a second request waits for the first and gets its report. */
  reloadConfig(): Promise<ReloadReport> {
    if (!this.reloading) {
      this.reloading = this.doReloadConfig().finally(() => {
        this.reloading = undefined;
      });
    }
    return this.reloading;
  }

  private async doReloadConfig(): Promise<ReloadReport> {
    const next = await loadConfigDir(this.options.configDir);
    const report = toReport(next);
    const result: ReloadReport = { ...report, added: [], changed: [], removed: [], unchanged: [] };
    if (next.errors.length > 0) {
      // hearth.toml itself is broken: keep everything as it is.
      this.bus.emit({ type: 'config.error', at: Date.now(), errors: report.errors.map((e) => e.text) });
      return result;
    }
    const brokenNames = new Set(next.broken.map((b) => b.name));
    for (const name of this.supervisor.names()) {
      // A service whose file now has errors keeps its running definition.
      if (!next.services.has(name) && !brokenNames.has(name)) {
        await this.supervisor.remove(name);
        result.removed.push(name);
      }
    }
    const added: string[] = [];
    await Promise.all(
      [...next.services.values()].map(async (def) => {
        const outcome = await this.supervisor.define(def);
        result[outcome].push(def.name);
        if (outcome === 'added') added.push(def.name);
      }),
    );
    this.supervisor.prepareOutputs();
    const inetd = await this.inetd.apply(next.inetd, next.hasInetdSources, next.settings.inetd.portOffset);
    result.added.push(...inetd.added);
    result.changed.push(...inetd.changed);
    result.removed.push(...inetd.removed);
    this.config = next;
    this.timers.apply(next.timers.values(), next.cron.jobs, false);
    const sysv = this.sysv.load(loadSysvScripts(join(this.options.configDir, 'init.d')).scripts.filter((x) => !this.supervisor.has(x.name)));
    result.added.push(...sysv.added);
    result.removed.push(...sysv.removed);
    added.push(...sysv.added);
    if (this.superServerWanted() && !this.inetd.superServerEnabled) await this.inetd.setEnabled(true);
    await Promise.all(
      added
        .filter((n) => this.enabledInRunlevel(n))
        .map((n) => this.catalog.start(n).catch((e) => this.log('error', `cannot start "${n}": ${describeError(e)}`))),
    );
    for (const list of [result.added, result.changed, result.removed, result.unchanged]) list.sort();
    this.bus.emit({
      type: 'config.reloaded',
      at: Date.now(),
      added: result.added,
      changed: result.changed,
      removed: result.removed,
      errors: report.errors.map((e) => e.text),
    });
    return result;
  }

  switchRunlevel(level: number, block: boolean): Promise<RunlevelSwitchResult> {
    const previous = this.runlevels.current;
    const run = this.runlevels.switchTo(level, this.config?.settings.runlevel ?? 3).then((report) => {
      const done = (r: RunReport) => r.units.filter((u) => u.outcome === 'done').map((u) => u.name);
      return {
        previous,
        current: this.runlevels.current,
        stopped: done(report.stop),
        started: done(report.start),
        failed: [...report.stop.units, ...report.start.units]
          .filter((u) => u.outcome === 'failed')
          .map((u) => ({ name: u.name, error: u.error ?? 'failed' })),
      };
    });
    if (block) return run;
    run.catch((e) => this.log('error', `runlevel ${level}: ${describeError(e)}`));
    return Promise.resolve({ previous, current: level, stopped: [], started: [], failed: [] });
  }

  private unitFor(name: string): RunlevelUnit {
    const unit = this.catalog.unit(name);
    if (!unit) {
      throw new HearthError('ERR_UNKNOWN_SERVICE', `"${name}" has no runlevels`, {
        hint: this.inetd.has(name) ? `inetd-style services are switched with "hearth chkconfig ${name} on|off"` : 'see "hearth list"',
      });
    }
    return unit;
  }

  async setEnabled(name: string, levels: number[] | undefined, on: boolean): Promise<EnableResult> {
    if (!this.catalog.unit(name) && this.inetd.has(name)) return this.setInetdEnabled(name, levels, on);
    const unit = this.unitFor(name);
    if (levels === undefined && on) this.runlevels.enablement.add(unit.enable);
    else if (levels === undefined) this.runlevels.enablement.del(unit.enable);
    else this.runlevels.enablement.set(unit.enable, levels, on);
    const flags = this.runlevels.enablement.get(unit.enable);
    return { name, levels: flags ? [...flags] : null };
  }

  /** An inetd-style service is on or off as a whole: its xinetd.d file's disable line. */
  private async setInetdEnabled(name: string, levels: number[] | undefined, on: boolean): Promise<EnableResult> {
    if (levels !== undefined) {
      throw new HearthError('ERR_BAD_REQUEST', `"${name}" is an inetd-style service: it is on or off in every runlevel where the super-server runs`, {
        hint: `leave out --level: "hearth ${on ? 'enable' : 'disable'} ${name}"`,
      });
    }
    await this.inetd.setInetdServiceEnabled(name, on);
    await this.reloadConfig();
    return { name, levels: null, enabled: on };
  }

  /**
   * `hearth at` / `hearth batch`. Jobs run as hearthd's user, so they are only
   * taken on a private control socket: with socket_group set, anyone in that
   * group could otherwise run commands with hearthd's rights.
   */
  atAdd(spec: { at: number | 'batch'; command: string; cwd?: string }): Promise<AtJob> {
    const c = this.settings.control;
    if (c.socketGroup !== undefined || (c.socketMode & 0o077) !== 0) {
      return Promise.reject(
        new HearthError('ERR_BAD_REQUEST', 'at jobs run with hearthd\'s rights, so they are only accepted on a private control socket', {
          hint: 'remove [control] socket_group and set socket_mode = "0600" in hearth.toml, or use a timer',
        }),
      );
    }
    return Promise.resolve(this.at.add(spec));
  }

  atList(): Promise<AtJob[]> {
    return Promise.resolve(this.at.list());
  }

  atRemove(ids: number[]): Promise<{ missing: number[] }> {
    return Promise.resolve({ missing: this.at.remove(ids) });
  }

  /** `hearth audit`: what runs, what listens, and what should not. */
  async audit(): Promise<AuditReport> {
    const input = collectAuditInput({
      configDir: this.options.configDir,
      services: this.list(),
      definition: (name) => this.supervisor.definition(name),
      inetd: this.inetd.definitions(),
      scripts: this.sysv.scripts(),
      ownerOf: (pid) => this.supervisor.ownerOf(pid)?.name,
      portOffset: this.config?.settings.inetd.portOffset ?? 0,
      hearthSyslog: this.syslog !== undefined,
    });
    return { at: Date.now(), findings: runAudit(input) };
  }

  async chkconfig(argv: string[]): Promise<ClassicResult> {
    const parsed = parseChkconfigArgs(argv);
    if (!parsed.ok) {
      return { stdout: '', stderr: `${parsed.usage ? chkconfigUsage('chkconfig', this.options.version ?? '') : parsed.message}
`, exitCode: parsed.exitCode };
    }
    const units = this.catalog.units();
    const result = await runChkconfig(parsed.action, {
      services: units.map((u) => ({ unit: u.enable })),
      xinetd: this.inetd.inetdServices(),
      xinetdEnabled: this.inetd.isPresent && [0, 1, 2, 3, 4, 5, 6].some((l) => this.runlevels.isEnabled(SUPER_SERVER_NAME, l)),
      currentRunlevel: this.runlevels.current,
      enablement: this.runlevels.enablement,
      setXinetd: async (n, on) => {
        await this.inetd.setInetdServiceEnabled(n, on);
        await this.reloadConfig();
      },
      overrideFor: (name) => this.chkconfigOverride(name),
      progname: 'chkconfig',
      version: this.options.version ?? '',
    });
    return result;
  }

  /** chkconfig.d/NAME in the config dir: an override header for `chkconfig --override NAME`. */
  private chkconfigOverride(name: string): EnablementUnit | undefined {
    const file = join(this.options.configDir, 'chkconfig.d', name);
    if (!existsSync(file)) return undefined;
    try {
      return sysvEnablementUnit(parseSysvScript(readFileSync(file, 'utf8'), file, name));
    } catch (e) {
      this.log('error', describeError(e));
      return undefined;
    }
  }

  analyze(): StoredTransition | undefined {
    return this.runlevels.lastTransition();
  }

  async check(configDir?: string): Promise<ConfigReport> {
    return toReport(await loadConfigDir(configDir ?? this.options.configDir));
  }

  logs(query: LogQuery): Promise<LogRecord[]> {
    return this.journal.query(query);
  }

  followLogs(query: LogQuery, onRecord: (r: LogRecord) => void): () => void {
    return this.journal.follow(query, onRecord);
  }

  subscribe(onEvent: (e: HearthEvent) => void): () => void {
    return this.bus.subscribe(onEvent);
  }

  // --- internals -------------------------------------------------------------

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.bus.emit({ type: 'daemon.log', at: Date.now(), level, message });
  }

  private reportConfigProblems(config: LoadedConfig): void {
    for (const e of config.errors) this.log('error', e.toString());
    for (const b of config.broken) for (const e of b.errors) this.log('error', e.toString());
    for (const w of config.warnings) this.log('warn', w.toString());
    for (const e of config.inetd.errors) this.log('error', e.toString());
    for (const w of config.inetd.warnings) this.log('warn', w.toString());
  }

  /** hearthd's own story goes to the journal under the name "hearthd". */
  private journalEvent(e: HearthEvent): void {
    const text = describeEvent(e);
    if (text) this.journal.daemonLog(e.type === 'daemon.log' ? e.level : e.type === 'service.error' ? 'error' : 'info', text);
  }
}

export function describeEvent(e: HearthEvent): string | undefined {
  switch (e.type) {
    case 'service.state':
      if (e.from === e.to) return undefined;
      return `${e.name}: ${e.from} -> ${e.to}${e.pid ? ` (pid ${e.pid})` : ''}${e.detail ? `: ${e.detail}` : ''}`;
    case 'service.exit':
      return `${e.name}: pid ${e.pid} ${describeExit(e.code, e.signal)}`;
    case 'service.spawn':
      return undefined;
    case 'service.error':
      return `${e.name}: ${e.message}`;
    case 'config.reloaded':
      return `config reloaded: added [${e.added.join(', ')}] changed [${e.changed.join(', ')}] removed [${e.removed.join(', ')}]${e.errors.length ? `; ${e.errors.length} error(s)` : ''}`;
    case 'config.error':
      return `config not reloaded: ${e.errors.join('; ')}`;
    case 'daemon.log':
      return `${e.level === 'info' ? '' : `${e.level}: `}${e.message}`;
  }
}

function toReport(config: LoadedConfig): ConfigReport {
  const errors = [...config.errors, ...config.broken.flatMap((b) => b.errors), ...config.inetd.errors, ...config.cron.errors].map((e) => ({
    code: e.code,
    message: e.message,
    ...(e.file ? { file: e.file } : {}),
    ...(e.line ? { line: e.line } : {}),
    ...(e.key ? { key: e.key } : {}),
    ...(e.hint ? { hint: e.hint } : {}),
    text: e.toString(),
  }));
  const warnings = [...config.warnings, ...config.inetd.warnings].map((w) => ({
    message: w.message,
    ...(w.file ? { file: w.file } : {}),
    ...(w.line ? { line: w.line } : {}),
    text: w.toString(),
  }));
  return {
    configDir: config.configDir,
    ok: errors.length === 0,
    services: [...config.services.keys(), ...config.timers.keys(), ...config.inetd.services.map((d) => d.id)].sort(),
    errors,
    warnings,
  };
}

/** A service without a description of its own gets the catalog's (ntsysv, the GUI and list show it). */
function withCatalogDescription<T extends ServiceStatus>(s: T): T {
  if (s.description) return s;
  const entry = findDaemon(s.name);
  return entry ? { ...s, description: entry.description } : s;
}
