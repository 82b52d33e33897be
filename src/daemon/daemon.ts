/**
 * The composition root: builds the journal, the unit backends, the runlevel
 * host and the syslog receiver, and implements the DaemonApi the control
 * server translates HTTP to. Nothing here depends on a unit's kind: every
 * question about a unit goes through the registry.
 */
import { mkdirSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HearthError, describeError } from '../errors/index.js';
import type { HearthEvent, ServiceStatus } from '../model/index.js';
import { audit as runAudit, type AuditReport } from '../catalog/index.js';
import { EventBus, describeEvent, eventLevel } from '../events/index.js';
import { configReport, loadDaemonSettings, type DaemonSettings } from '../config/index.js';
import { Journal } from '../journal/index.js';
import { RecentProcesses, type SyslogReceiver } from '../syslog/index.js';
import { RunlevelHost, type RunReport, type StoredTransition, type TransitionKind } from '../runlevels/index.js';
import type { RecoveryReport, UnitAction, UnitRegistry } from '../units/index.js';
import type { AtJob } from '../timers/index.js';
import { createUnits, publicRuntimeDir, type Units } from './units.js';
import { collectAuditInput, withCatalogDescription } from './audit-input.js';
import { chkconfig } from './chkconfig-host.js';
import { systemctl } from './systemctl-host.js';
import { startSyslogReceiver, syslogSocketPath } from './syslog-host.js';
import { ConfigHost } from './config-host.js';
import { Latch } from '../util/latch.js';
import { openExtensions, stopExtensions, type DaemonExtension } from './extension.js';
import type {
  ActionResult,
  ClassicResult,
  ConfigReport,
  DaemonApi,
  DaemonInfo,
  EnableResult,
  LogQuery,
  LogRecord,
  ReloadReport,
  RunlevelSwitchResult,
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
  /** A reload or a runlevel switch is over (hearthd then gives the memory of the burst back). */
  afterBurst?: () => void;
}

export class Daemon implements DaemonApi {
  readonly bus = new EventBus();
  readonly options: DaemonOptions;
  private readonly configs: ConfigHost;
  private extensions: DaemonExtension[] = [];
  private journal!: Journal;
  private units!: Units;
  private runlevels!: RunlevelHost;
  private syslog: SyslogReceiver | undefined;
  /** Processes hearth started, kept a while after they exit, for syslog attribution. */
  private readonly recentProcesses = new RecentProcesses();
  private booting = false;
  /** The boot's configuration is applied: the control API answers for units from then on. */
  private readonly configured = new Latch();
  private readonly startedAt = Date.now();
  private reloading: Promise<ReloadReport> | undefined;
  private recovery: RecoveryReport = { adopted: [], leftStopped: [], died: [], changed: [] };
  /** State files found damaged since hearthd started (set aside, never silently reset). */
  private readonly stateProblems: Array<{ file: string; keptAs: string; reason: string; at: number }> = [];

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
    this.configs = new ConfigHost(this.options.configDir, () => this.units?.tracking.limitSupport, () => this.extensions, (level, message) => this.log(level, message));
  }

  get socketPath(): string {
    return join(this.options.runtimeDir, 'hearth.sock');
  }

  private get registry(): UnitRegistry {
    return this.units.registry;
  }

  /** Loads the config and brings up every unit enabled in the runlevel. */
  untilConfigured(): Promise<void> {
    return this.configured.wait();
  }

  async boot(): Promise<void> {
    try {
      await this.bootUnits();
    } finally {
      this.configured.open(); // a failed boot ends hearthd: no request may wait on it meanwhile
    }
  }

  private async bootUnits(): Promise<void> {
    const { stateDir, runtimeDir, logDir, configDir } = this.options;
    for (const dir of [stateDir, logDir]) mkdirSync(dir, { recursive: true });
    mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
    chmodSync(runtimeDir, 0o700);
    const publicDir = publicRuntimeDir(runtimeDir);
    mkdirSync(publicDir, { recursive: true, mode: 0o755 });
    chmodSync(publicDir, 0o755);

    this.journal = new Journal({
      dir: logDir,
      rotation: this.settings.logs,
      onError: (e) => this.log('error', e.toString()),
      onHealth: (h) =>
        this.bus.emit({
          type: 'journal.health',
          at: Date.now(),
          degraded: h.degraded,
          services: h.services.map((s) => ({ service: s.service, reason: s.reason, droppedRecords: s.droppedRecords, blocked: s.blocked })),
        }),
    });
    this.bus.subscribe((e) => this.journalEvent(e));
    this.bus.subscribe((e) => {
      if (e.type === 'state.corrupt' && this.stateProblems.length < 100) this.stateProblems.push({ file: e.file, keptAs: e.keptAs, reason: e.reason, at: e.at });
    });
    this.bus.subscribe((e) => this.recentProcesses.observe(e));
    // Created before any config is read, so the control API can answer during a long boot.
    this.units = await createUnits({
      ...this.options,
      trackingMode: this.settings.processes.tracking,
      journal: this.journal,
      emit: (e) => this.bus.emit(e),
      runlevel: () => this.runlevels?.current ?? null,
      startUnit: async (name) => {
        const [r] = await this.start([name]);
        if (r && !r.ok) throw new Error(r.error?.message ?? `cannot start "${name}"`);
      },
    });
    this.runlevels = new RunlevelHost({ stateDir, runtimeDir, configDir }, this.runlevelCatalog(), (e) => this.bus.emit(e));

    this.log('info', `process tracking: ${this.units.tracking.description}`);
    this.extensions = await openExtensions(this.settings, this); // the fleet, with [fleet] in hearth.toml
    const config = await this.configs.load();
    this.configs.report(configReport(config));
    this.configs.use(config);
    // After an unclean stop, return to the level hearthd was in, not the default.
    const recoveredLevel = this.runlevels.recoveredLevel();
    const level = this.options.runlevel ?? recoveredLevel ?? config.settings.runlevel;
    await this.registry.apply(config, 'boot');
    this.recovery = this.registry.recover();
    this.configured.open(); // units are known: requests answer from here on, through the runlevel start
    const { adopted, died, leftStopped, orphaned = [] } = this.recovery;
    if (adopted.length + died.length + leftStopped.length + orphaned.length > 0) {
      const kept = orphaned.length ? `, kept without a definition (orphaned) [${orphaned.join(', ')}]` : '';
      this.log('warn', `recovered from an unclean stop: adopted [${adopted.join(', ')}], died meanwhile [${died.join(', ')}], left stopped [${leftStopped.join(', ')}]${kept}`);
    }
    this.syslog = await startSyslogReceiver(config.settings.syslog, {
      runtimeDir,
      journal: this.journal,
      units: this.units,
      recent: this.recentProcesses,
      warn: (message) => this.log('warn', message),
    });
    this.units.at.start();
    this.log('info', `hearthd ${this.options.version ?? ''} entering runlevel ${level} with ${this.registry.runlevelUnits().length} services from ${configDir}`.replace('  ', ' '));
    this.booting = true;
    try {
      const interrupted = this.options.runlevel === undefined && recoveredLevel !== undefined ? this.runlevels.interruptedSwitch() : undefined;
      if (interrupted !== undefined) {
        // hearthd died during "init N": finish that switch, stopping what is not enabled in N.
        this.log('warn', `finishing the interrupted switch to runlevel ${interrupted}`);
        await this.runlevels.switchTo(interrupted, config.settings.runlevel);
      } else {
        await this.runlevels.enter(level, config.settings.runlevel);
      }
    } finally {
      this.booting = false;
    }
    for (const x of this.extensions) x.booted();
  }

  /** What the runlevel machinery orders, starts and stops: every unit switched per runlevel. */
  private runlevelCatalog() {
    return {
      unit: (name: string) => this.registry.runlevelUnit(name),
      units: () => this.registry.runlevelUnits(),
      isRunning: (name: string) => this.registry.isUp(name),
      start: async (name: string) => {
        if (this.booting && this.keptDown(name)) return;
        await this.registry.act(name, 'start');
      },
      stop: async (name: string) => {
        await this.registry.act(name, 'stop');
      },
    };
  }

  /** After a crash, the operator's stops and restart = "never" still hold. */
  private keptDown(name: string): boolean {
    if (this.recovery.leftStopped.includes(name)) return true;
    return this.recovery.died.includes(name) && this.configs.config?.services.get(name)?.restart === 'never';
  }

  /** Stops every unit in reverse dependency order (SIGTERM path) and releases what the daemon holds. */
  async shutdown(): Promise<void> {
    this.log('info', 'stopping all services');
    await stopExtensions(this.extensions, (message) => this.log('error', message));
    await this.runlevels.stopAll(this.configs.config?.settings.runlevel ?? 3).catch((e) => this.log('error', `ordered stop failed: ${describeError(e)}`));
    // Whatever the plan could not reach (a cycle, a unit that refused) goes now.
    await this.registry.shutdown();
    this.units.at.stop();
    this.units.spawner.close();
    this.units.tracking.close();
    this.syslog?.stop();
    this.configs.stop();
    this.log('info', 'hearthd stopped');
    this.journal.close();
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
      ...(this.units ? { processTracking: { mode: this.units.tracking.mode, description: this.units.tracking.description } } : {}),
      ...(this.journal ? { logging: this.journal.health() } : {}),
      ...(this.settings.syslog.socket !== 'off' ? { syslogSocket: syslogSocketPath(this.settings.syslog, this.options.runtimeDir) } : {}),
      ...(this.stateProblems.length ? { stateProblems: [...this.stateProblems] } : {}),
      ...Object.assign({}, ...this.extensions.map((x) => x.info())),
    };
  }

  list(): ServiceStatus[] {
    return this.registry.list().map((s) => withCatalogDescription(this.withEnablement(s)));
  }

  readonly resolveName = (name: string): string | undefined => this.registry.resolve(name);

  async status(name: string): Promise<ServiceDetail | undefined> {
    const detail = await this.registry.detail(name);
    if (!detail) return undefined;
    const recentLogs = await this.journal.query({ names: [detail.name], lines: 10 });
    const outage = this.journal.health().services.find((s) => s.service === detail.name);
    const logging = outage && { since: outage.since, reason: outage.reason, droppedRecords: outage.droppedRecords, blocked: outage.blocked };
    return withCatalogDescription({ ...this.withEnablement(detail), recentLogs, ...(logging ? { logging } : {}) });
  }

  /** Units switched per runlevel carry their on/off per level and whether they are on now. */
  private withEnablement<T extends ServiceStatus>(s: T): T {
    const e = this.runlevels?.enablementOf(s.name);
    if (!e) return s;
    // levelS: on in the boot level S (Debian's rcS.d), which stays in effect in levels 1-5.
    return { ...s, enabled: e.enabledNow || e.levelS, levels: e.levels, levelS: e.levelS };
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

  private act(action: UnitAction, names: string[]): Promise<ActionResult[]> {
    return Promise.all(
      names.map(async (name): Promise<ActionResult> => {
        try {
          return { name, ok: true, state: await this.registry.act(name, action) };
        } catch (e) {
          const err = e instanceof HearthError ? e : new HearthError('ERR_INTERNAL', describeError(e));
          const now = this.registry.list().find((s) => s.name === name)?.state;
          return {
            name,
            ok: false,
            ...(now !== undefined ? { state: now } : {}),
            error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) },
          };
        }
      }),
    );
  }

  /** One reload at a time: a second request waits for the first and gets its report. */
  reloadConfig(): Promise<ReloadReport> {
    if (!this.reloading) {
      this.reloading = this.doReloadConfig().finally(() => {
        this.reloading = undefined;
        this.options.afterBurst?.();
      });
    }
    return this.reloading;
  }

  private async doReloadConfig(): Promise<ReloadReport> {
    const next = await this.configs.load();
    const report = configReport(next);
    if (next.errors.length > 0) {
      // hearth.toml itself is broken: keep everything as it is.
      this.bus.emit({ type: 'config.error', at: Date.now(), errors: report.errors.map((e) => e.text) });
      return { ...report, added: [], changed: [], removed: [], unchanged: [] };
    }
    this.configs.report(report, false);
    const applied = await this.registry.apply(next, 'reload');
    this.configs.use(next);
    await Promise.all(
      applied.added
        .filter((n) => this.runlevels.isEnabled(n))
        .map((n) => this.registry.act(n, 'start').catch((e) => this.log('error', `cannot start "${n}": ${describeError(e)}`))),
    );
    const { added, changed, removed, unchanged } = applied;
    this.bus.emit({ type: 'config.reloaded', at: Date.now(), added, changed, removed, errors: report.errors.map((e) => e.text) });
    return { ...report, added, changed, removed, unchanged };
  }

  switchRunlevel(level: number, block: boolean): Promise<RunlevelSwitchResult> {
    const previous = this.runlevels.current;
    const run = this.runlevels.switchTo(level, this.configs.config?.settings.runlevel ?? 3).then((report) => {
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
    const over = () => this.options.afterBurst?.();
    run.then(over, over);
    if (block) return run;
    run.catch((e) => this.log('error', `runlevel ${level}: ${describeError(e)}`));
    return Promise.resolve({ previous, current: level, stopped: [], started: [], failed: [] });
  }

  async setEnabled(asked: string, levels: number[] | undefined, on: boolean): Promise<EnableResult> {
    const backend = this.registry.require(asked);
    const name = this.registry.resolve(asked) ?? asked;
    const own = backend.setEnabled?.(name, levels, on);
    if (own) {
      const outcome = await own;
      if (outcome.reload) await this.reloadConfig();
      return { name: outcome.name, levels: outcome.levels, ...(outcome.enabled !== undefined ? { enabled: outcome.enabled } : {}) };
    }
    const unit = this.registry.runlevelUnit(name);
    if (!unit) throw new HearthError('ERR_BAD_REQUEST', `"${name}" is a ${backend.kind}: it has no runlevels`, { hint: 'see "hearth list"' });
    const store = this.runlevels.enablement;
    if (levels === undefined && on) store.add(unit.enable);
    else if (levels === undefined) store.del(unit.enable);
    else store.set(unit.enable, levels, on);
    const flags = store.get(unit.enable);
    return { name, levels: flags ? [...flags] : null };
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
        new HearthError('ERR_BAD_REQUEST', "at jobs run with hearthd's rights, so they are only accepted on a private control socket", {
          hint: 'remove [control] socket_group and set socket_mode = "0600" in hearth.toml, or use a timer',
        }),
      );
    }
    return Promise.resolve(this.units.at.add(spec));
  }

  atList(): Promise<AtJob[]> {
    return Promise.resolve(this.units.at.list());
  }

  atRemove(ids: number[]): Promise<{ missing: number[] }> {
    return Promise.resolve({ missing: this.units.at.remove(ids) });
  }

  /** `hearth audit`: what runs, what listens, and what should not. */
  async audit(): Promise<AuditReport> {
    const { supervisor, inetd, sysv } = this.units;
    const input = collectAuditInput({
      configDir: this.options.configDir,
      services: this.list(),
      definition: (name) => supervisor.definition(name),
      inetd: inetd.definitions(),
      scripts: sysv.scripts(),
      ownerOf: (pid) => this.registry.ownerOf(pid),
      portOffset: inetd.activePortOffset,
      hearthSyslog: this.syslog !== undefined,
      hearthPids: [process.pid],
      loggingDegraded: this.journal.health().services,
    });
    return { at: Date.now(), findings: runAudit(input) };
  }

  chkconfig(argv: string[]): Promise<ClassicResult> {
    return chkconfig(argv, {
      configDir: this.options.configDir,
      version: this.options.version ?? '',
      registry: this.registry,
      runlevels: this.runlevels,
      reloadConfig: () => this.reloadConfig(),
      log: (message) => this.log('error', message),
    });
  }

  /** `hearth systemctl ARGS…`: systemctl's verbs over every unit, with its output and exit codes. */
  systemctl(argv: string[]): Promise<ClassicResult> {
    const { registry, journal, runlevels, units } = this;
    return systemctl(argv, { registry, journal, runlevels, systemd: units.systemd, withEnablement: (d) => this.withEnablement(d), setEnabled: (n, on) => this.setEnabled(n, undefined, on), reloadConfig: () => this.reloadConfig(), switchRunlevel: (l) => this.switchRunlevel(l, true) });
  }

  /** `service NAME ACTION`: passed through to units that take any action (init scripts). */
  async passThrough(name: string, action: string, args: string[]): Promise<ClassicResult | null> {
    const backend = this.registry.require(name);
    return backend.passThrough ? backend.passThrough(name, action, args) : null;
  }

  analyze(which: TransitionKind = 'boot'): StoredTransition | undefined {
    return this.runlevels.transition(which);
  }

  check(configDir?: string): Promise<ConfigReport> {
    return this.configs.check(configDir);
  }

  /** The /v1/fleet routes, when this hearthd is in a fleet. */
  fleetApi() {
    return this.extensions.find((x) => x.fleetApi)?.fleetApi;
  }

  logs(query: LogQuery): Promise<LogRecord[]> {
    return this.journal.query(this.resolveQuery(query));
  }

  followLogs(query: LogQuery, onRecord: (r: LogRecord) => void): () => void {
    return this.journal.follow(this.resolveQuery(query), onRecord);
  }

  /** "nginx" asks for the logs of the unit that answers to it (nginx.service). */
  private resolveQuery(q: LogQuery): LogQuery {
    return q.names ? { ...q, names: q.names.map((n) => this.registry.resolve(n) ?? n) } : q;
  }

  subscribe(onEvent: (e: HearthEvent) => void): () => void {
    return this.bus.subscribe(onEvent);
  }

  // --- internals -------------------------------------------------------------

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.bus.emit({ type: 'daemon.log', at: Date.now(), level, message });
  }

  /** hearthd's own story goes to the journal under the name "hearthd". */
  private journalEvent(e: HearthEvent): void {
    const text = describeEvent(e);
    if (text) this.journal.daemonLog(eventLevel(e), text);
  }
}
