/**
 * hearthd's side of the fleet, wired from [fleet] in hearth.toml. Reached
 * only when that section exists: src/fleet is loaded here through import(),
 * so a single-host hearthd never loads it (test/fleet-lazy.test.ts).
 *
 * What it does: runs the FleetAgent; offers the fleet's set as a lower config
 * source (local units win, see src/config/config-sources.ts); reloads the
 * config when a new set arrives, then applies the set's runlevel and the
 * enablement changes of fleet units; restarts a unit when the fleet asks and
 * acknowledges once it is ready; publishes unit summaries on change (the
 * agent coalesces and rate-limits the writes); and serves the GUI's Fleet
 * page (FleetConsole). The daemon consults it as a DaemonExtension (./extension.ts).
 */
import { join } from 'node:path';
import type { ServiceStatus, HearthEvent } from '../model/index.js';
import { isRunningState, isUpState } from '../model/index.js';
import type { AuditReport } from '../catalog/index.js';
import { unitNames, type FleetSettings, type LoadedConfig, type LowerSource } from '../config/index.js';
import type { ActionResult, DaemonInfo, FleetApi, FleetInfo, ReloadReport, RunlevelSwitchResult } from '../control/daemon-api.js';
import type { FleetAgent, FleetAgentStatus } from '../fleet/index.js';
import { describeError } from '../errors/index.js';
import { FailureLog, findingsByUnit, unitSummaries } from './fleet-summary.js';
import { FleetConsole } from './fleet-console.js';
import type { DaemonExtension } from './extension.js';

/** What the link needs from hearthd: its public face (the Daemon itself fits). */
export interface FleetLinkHost {
  readonly options: { stateDir: string; version?: string };
  readonly bus: { emit(e: HearthEvent): void };
  info(): { runlevel: number | null };
  list(): ServiceStatus[];
  start(names: string[]): Promise<ActionResult[]>;
  stop(names: string[]): Promise<ActionResult[]>;
  restart(names: string[]): Promise<ActionResult[]>;
  reloadConfig(): Promise<ReloadReport>;
  switchRunlevel(level: number, block: boolean): Promise<RunlevelSwitchResult>;
  audit(): Promise<AuditReport>;
  subscribe(on: (e: HearthEvent) => void): () => void;
}

/** The fleet's set as a config source under the config dir: its stable path (absent until a first set exists). */
export function fleetSources(stateDir: string): LowerSource[] {
  return [{ dir: join(stateDir, 'fleet', 'current'), name: 'fleet' }];
}

/** Unit summaries are built at most this often; the agent limits etcd writes further. */
const PUBLISH_DELAY_MS = 100;
/**
 * The audit reads /proc (every process's sockets: about 0.2 s of CPU on a host with
 * a hundred processes): counted again at most once a minute while units change,
 * a few seconds after a burst of changes so it never competes with the starts,
 * and every five minutes at rest.
 */
const AUDIT_MIN_INTERVAL_MS = 60_000;
const AUDIT_SETTLE_MS = 5_000;
const AUDIT_MAX_INTERVAL_MS = 300_000;
/** A reload that raced a set swap loaded the older set: load again, a few times at most. */
const RELOADS_PER_SET = 3;

export class FleetLink implements DaemonExtension {
  private readonly failures = new FailureLog();
  private findings = new Map<string, number>();
  private lastAudit = 0;
  private fleetUnits: string[] = [];
  private shadowed: string[] = [];
  private loadedSet: string | undefined;
  private defaultLevel: number | undefined;
  private levelPinned = false;
  private publishTimer: NodeJS.Timeout | undefined;
  private auditTimer: NodeJS.Timeout | undefined;
  private auditSoon: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private started = false;
  private lastStatus: FleetAgentStatus | undefined;
  private readonly console: FleetConsole;
  readonly lowerSources: readonly LowerSource[];

  private constructor(
    private readonly settings: FleetSettings,
    private readonly host: FleetLinkHost,
    private readonly agent: FleetAgent,
  ) {
    this.console = new FleetConsole(settings, () => this.fleetInfo());
    this.lowerSources = fleetSources(host.options.stateDir);
  }

  /**
   * Creates the agent (reading the last fleet set from disk). When it cannot
   * (unreadable TLS or password files) hearthd says why and runs on without
   * joining; the last set on disk is still loaded.
   */
  static async open(settings: FleetSettings, host: FleetLinkHost): Promise<DaemonExtension> {
    try {
      const { FleetAgent } = await import('../fleet/index.js');
      let link: FleetLink | undefined;
      const agent = await FleetAgent.create({
        settings,
        stateDir: host.options.stateDir,
        hearthVersion: host.options.version ?? '0.0.0',
        onChange: (set) => link?.newSet(set.dir),
        onRestartRequest: (unit) => link!.restartForFleet(unit),
        onStatus: (status) => link?.statusChanged(status),
      });
      link = new FleetLink(settings, host, agent);
      return link;
    } catch (e) {
      log(host, 'error', `fleet: not joining the fleet: ${describeError(e)}; running the last fleet set from disk`);
      return { lowerSources: fleetSources(host.options.stateDir), configLoaded: () => undefined, booted: () => undefined, stop: async () => undefined, info: () => ({}) };
    }
  }

  /** After boot: join the fleet and start reporting. */
  booted(): void {
    this.started = true;
    this.unsubscribe = this.host.subscribe((e) => {
      if (this.failures.observe(e)) this.schedulePublish();
    });
    this.agent.start();
    void this.refreshAudit();
    this.auditTimer = setInterval(() => void this.refreshAudit(), AUDIT_MAX_INTERVAL_MS).unref();
  }

  /** Hook: every config the daemon takes into use. */
  configLoaded(config: LoadedConfig): void {
    const source = config.sources?.find((s) => s.name === 'fleet');
    this.fleetUnits = source?.units ?? [];
    this.shadowed = source?.shadowed ?? [];
    this.loadedSet = source?.realDir;
    this.defaultLevel = config.settings.runlevel;
    this.levelPinned = config.settings.runlevelSet === true;
    const fleet = new Set(this.fleetUnits);
    this.agent.setLocalUnits(unitNames(config).filter((n) => !fleet.has(n)));
    this.schedulePublish();
    this.console.changed();
  }

  info(): Partial<DaemonInfo> {
    return { fleet: this.fleetInfo() };
  }

  private fleetInfo(): FleetInfo {
    const s = this.agent.status();
    return {
      host: s.host,
      labels: this.settings.labels,
      endpoints: this.settings.endpoints,
      link: s.link,
      desired: s.desired,
      ...(s.lastSyncError ? { lastSyncError: s.lastSyncError } : {}),
      ...(s.set ? { set: { dir: s.set.dir, hash: s.set.hash, revision: s.set.revision, bundles: s.set.bundles } } : {}),
      units: this.fleetUnits,
      shadowed: this.shadowed,
      conflicts: s.conflicts,
      report: { writes: s.report.writes, bytes: s.report.bytes, failures: s.report.failures, ...(s.report.lastWriteAt ? { lastWriteAt: s.report.lastWriteAt } : {}) },
    };
  }

  /** The /v1/fleet routes. */
  get fleetApi(): FleetApi {
    return this.console;
  }

  /** On SIGTERM, before the units stop: the host leaves the fleet at once (its lease is revoked). */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.publishTimer) clearTimeout(this.publishTimer);
    if (this.auditTimer) clearInterval(this.auditTimer);
    if (this.auditSoon) clearTimeout(this.auditSoon);
    await Promise.all([this.agent.stop(), this.console.close()]);
  }

  /** A new set is current: load it, then carry out what it changed of the runlevel and the enablement. */
  private async newSet(dir: string): Promise<void> {
    if (!this.started) return;
    const enabledBefore = new Map(this.host.list().map((s) => [s.name, s.enabled]));
    const levelBefore = this.defaultLevel;
    const current = this.host.info().runlevel;
    for (let i = 0; i < RELOADS_PER_SET; i++) {
      const report = await this.host.reloadConfig();
      if (!report.ok && report.added.length + report.changed.length + report.removed.length + report.unchanged.length === 0) {
        log(this.host, 'warn', 'fleet: a new fleet set arrived, but hearth.toml has errors: nothing was reloaded');
        return;
      }
      // A reload already in flight may have read the set before this one: load again.
      if (this.loadedSet === dir) break;
    }
    log(this.host, 'info', `fleet: now running fleet set ${dir.slice(dir.lastIndexOf('/') + 1)} (${this.fleetUnits.length} units${this.shadowed.length ? `, ${this.shadowed.length} shadowed by local units` : ''})`);
    const level = this.defaultLevel;
    // The fleet moves a host to its runlevel only from the level the fleet had set: an operator's "init 1" stays.
    if (!this.levelPinned && level !== undefined && level !== levelBefore && current === levelBefore) {
      log(this.host, 'info', `fleet: switching to runlevel ${level}, as the fleet set says`);
      await this.host.switchRunlevel(level, true);
      return;
    }
    await this.applyEnablement(enabledBefore);
  }

  /** Fleet units whose enablement in the current runlevel flipped with the new set are started or stopped. */
  private async applyEnablement(before: Map<string, boolean | undefined>): Promise<void> {
    const fleet = new Set(this.fleetUnits);
    const start: string[] = [];
    const stop: string[] = [];
    for (const s of this.host.list()) {
      if (!fleet.has(s.name) || s.levels === undefined || !before.has(s.name) || before.get(s.name) === s.enabled) continue;
      if (s.enabled && !isUpState(s.state)) start.push(s.name);
      if (!s.enabled && isUpState(s.state)) stop.push(s.name);
    }
    for (const r of [...(start.length ? await this.host.start(start) : []), ...(stop.length ? await this.host.stop(stop) : [])]) {
      if (!r.ok) log(this.host, 'error', `fleet: cannot apply the enablement of "${r.name}": ${r.error?.message ?? 'failed'}`);
    }
  }

  /** A restart the fleet asked for: resolves once the unit is running (and ready) again. */
  private async restartForFleet(unit: string): Promise<void> {
    log(this.host, 'info', `fleet: restarting "${unit}" as the fleet asks`);
    const [r] = await this.host.restart([unit]);
    if (!r?.ok) throw new Error(r?.error?.message ?? `cannot restart "${unit}"`);
    if (!r.state || !isRunningState(r.state)) throw new Error(`"${unit}" is ${r.state ?? 'in an unknown state'} after the restart`);
  }

  /** Said in hearthd's log once per change of the link or of the desired state's sync. */
  private statusChanged(status: FleetAgentStatus): void {
    const before = this.lastStatus;
    this.lastStatus = status;
    const link = status.link;
    if (link.state !== before?.link.state) {
      if (link.state === 'connected') log(this.host, 'info', `fleet: joined as "${status.host}" via ${link.endpoint}`);
      if (link.state === 'retrying') log(this.host, 'warn', `fleet unreachable: ${link.lastError}; the units keep running and hearthd keeps trying`);
    }
    if (status.desired !== before?.desired) {
      if (status.desired === 'stale') log(this.host, 'warn', `fleet: running the last fleet set: the desired state cannot be read (${status.lastSyncError ?? 'etcd unreachable'})`);
      if (status.desired === 'in-sync' && before?.desired === 'stale') log(this.host, 'info', 'fleet: desired state in sync again');
    }
    this.console.changed();
  }

  private schedulePublish(): void {
    if (!this.started) return;
    this.publishTimer ??= setTimeout(() => {
      this.publishTimer = undefined;
      this.agent.publishUnits(unitSummaries(this.host.list(), this.failures, this.findings));
      this.scheduleAudit();
    }, PUBLISH_DELAY_MS).unref();
  }

  private scheduleAudit(): void {
    if (this.auditSoon) return;
    const due = Math.max(AUDIT_SETTLE_MS, this.lastAudit + AUDIT_MIN_INTERVAL_MS - Date.now());
    this.auditSoon = setTimeout(() => {
      this.auditSoon = undefined;
      void this.refreshAudit();
    }, due).unref();
  }

  private async refreshAudit(): Promise<void> {
    this.lastAudit = Date.now();
    try {
      const next = findingsByUnit(await this.host.audit());
      const changed = next.size !== this.findings.size || [...next].some(([n, c]) => this.findings.get(n) !== c);
      this.findings = next;
      if (changed) this.schedulePublish();
    } catch (e) {
      log(this.host, 'warn', `fleet: the audit for the fleet report failed: ${describeError(e)}`);
    }
  }
}

function log(host: FleetLinkHost, level: 'info' | 'warn' | 'error', message: string): void {
  host.bus.emit({ type: 'daemon.log', at: Date.now(), level, message });
}
