/**
 * The super-server as units: one unit named "xinetd" (on or off as a whole,
 * switched per runlevel like any other service) and one unit per inetd-style
 * service with its counters. The engine itself is SuperServer; this file
 * adapts it to the unit interface and turns its events into hearthd's.
 */
import { readFile, writeFile, rename } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { HearthError } from '../errors/index.js';
import { SUPER_SERVER_NAME, type HearthEvent, type InetdServiceDefinition, type InetdServiceStatus, type ServiceState, type ServiceStatus, stateEvent } from '../model/index.js';
import { setXinetdDisable, type LoadedConfig } from '../config/index.js';
import type { Journal } from '../journal/index.js';
import type { ProcessTracking } from '../boundary/index.js';
import type { ServerSpawner } from '../native/index.js';
import type { ApplyReport, EnableOutcome, RunlevelUnit, UnitAction, UnitBackend, UnitDetail } from '../units/index.js';
import { SuperServer } from './super-server.js';
import type { InetdEvent, InetdLogLine } from './types.js';
import type { EnvCompat } from './server-launch.js';
import { inetdSettings } from './settings-view.js';

export interface InetdBackendOptions {
  emit(event: HearthEvent): void;
  journal: Journal;
  configDir: string;
  /**
   * hearthd's process tracking: with cgroups, each inetd-style service has a
   * cgroup (NAME.inetd) that its servers join before they run.
   */
  tracking?: ProcessTracking;
  /** hearthd's hearth-spawner, shared with services; without it the super-server starts its own. */
  spawner?: ServerSpawner;
}

const STATE: Record<InetdServiceStatus['state'], ServiceState> = {
  listening: 'running',
  waiting: 'running',
  suspended: 'backoff',
  disabled: 'stopped',
  off: 'stopped',
  broken: 'broken',
  failed: 'failed',
};

/** The super-server runs where it is enabled: 2–5 by default, as on the classic systems. */
const SUPER_SERVER_UNIT: RunlevelUnit = {
  order: { name: SUPER_SERVER_NAME, provides: ['inetd'] },
  enable: { name: SUPER_SERVER_NAME, defaultLevels: [2, 3, 4, 5] },
};

export class InetdBackend implements UnitBackend {
  readonly kind = 'inetd';
  private server: SuperServer;
  private portOffset = 0;
  private envCompat: EnvCompat = 'hearth';
  private defs: InetdServiceDefinition[] = [];
  /** The ids of defs, for has(): asked once per unit a runlevel plans, so no scan. */
  private ids = new Set<string>();
  private present = false;
  private on = false;
  private onSince: number | null = null;
  /** The super-server's state as last announced (running, degraded or stopped). */
  private announced: ServiceState = 'stopped';

  constructor(private readonly options: InetdBackendOptions) {
    this.server = this.createServer();
  }

  /** The tracking, when it is by cgroup (process groups know nothing of servers the helpers fork). */
  private get cgroups(): ProcessTracking | undefined {
    const t = this.options.tracking;
    return t?.mode === 'cgroup' ? t : undefined;
  }

  private createServer(): SuperServer {
    return new SuperServer({
      portOffset: this.portOffset,
      envCompat: this.envCompat,
      ...(this.cgroups ? { unitOf: (id: string) => this.cgroups!.unit('inetd', id) } : {}),
      ...(this.options.spawner ? { serverSpawner: this.options.spawner } : {}),
      onLog: (line) => this.journalLine(line),
      onEvent: (e) => this.forward(e),
    });
  }

  /**
   * A connection log line into the journal, under its service. With
   * log_type = SYSLOG it is the syslog record xinetd would have sent:
   * its facility, its level, "xinetd" as the identifier.
   */
  private journalLine(line: InetdLogLine): void {
    const s = line.syslog;
    if (s && line.service) {
      this.options.journal.record(line.id, {
        stream: 'syslog',
        text: line.message,
        priority: s.level,
        syslog: { facility: s.facility, appName: SUPER_SERVER_NAME, procId: String(process.pid) },
      });
      return;
    }
    this.options.journal.record(line.id, { stream: 'hearth', text: line.message, priority: line.level === 'error' ? 3 : line.level === 'warn' ? 4 : 6 });
  }

  /** The engine's events as hearthd's: every state change of a service (a cps suspension too) is a service.state. */
  private forward(e: InetdEvent): void {
    this.forwardOne(e);
    // A port lost or won changes the super-server as a whole too.
    if (e.change && (e.change.to === 'failed' || e.change.from === 'failed')) this.announce();
  }

  private forwardOne(e: InetdEvent): void {
    const emit = this.options.emit;
    if (e.change) {
      const from = STATE[e.change.from];
      const to = STATE[e.change.to];
      if (from !== to) {
        const detail = e.type === 'inetd.suspended' ? e.reason : e.type === 'inetd.error' ? e.message : undefined;
        emit(stateEvent(e.id, from, to, null, detail, e.at));
      }
    }
    switch (e.type) {
      case 'inetd.server':
        return; // per-connection noise stays in the service's own log
      case 'inetd.listening':
        return emit({ type: 'inetd.listener', at: e.at, name: e.id, change: 'listening', protocol: e.protocol, port: e.port });
      case 'inetd.closed':
        return emit({ type: 'inetd.listener', at: e.at, name: e.id, change: 'closed' });
      case 'inetd.suspended':
        return emit({ type: 'inetd.listener', at: e.at, name: e.id, change: 'suspended', until: e.until, reason: e.reason });
      case 'inetd.resumed':
        return emit({ type: 'inetd.listener', at: e.at, name: e.id, change: 'resumed' });
      case 'inetd.error':
        return emit({ type: 'inetd.problem', at: e.at, name: e.id, level: 'error', message: e.message });
      case 'inetd.notice':
        return emit({ type: 'inetd.problem', at: e.at, name: e.id, level: e.level, message: e.message });
    }
  }

  /** The inetd-style services as configured (for the audit). */
  definitions(): readonly InetdServiceDefinition[] {
    return this.defs;
  }

  /** The port shift of hearth.toml's [inetd] port_offset now in effect. */
  get activePortOffset(): number {
    return this.portOffset;
  }

  has(name: string): boolean {
    return (this.present && name === SUPER_SERVER_NAME) || this.ids.has(name);
  }

  lists(name: string): boolean {
    return this.has(name);
  }

  names(): string[] {
    return [...(this.present ? [SUPER_SERVER_NAME] : []), ...this.defs.map((d) => d.id)];
  }

  /** New definitions from a (re)load; listeners of unchanged services stay open. */
  async apply(config: LoadedConfig): Promise<ApplyReport> {
    const wasPresent = this.present;
    this.present = config.hasInetdSources;
    const previous = new Set(this.defs.map((d) => d.id));
    this.defs = config.inetd.services;
    this.ids = new Set(this.defs.map((d) => d.id));
    const { portOffset, envCompat } = config.settings.inetd;
    const moved = portOffset !== this.portOffset || envCompat !== this.envCompat;
    if (moved) {
      // Every port moves, or every server's environment changes: start over with a fresh engine.
      await this.server.stop();
      this.portOffset = portOffset;
      this.envCompat = envCompat;
      this.server = this.createServer();
    }
    // While the super-server is off, new definitions are only remembered.
    if (!this.on) await this.server.setEnabled(false);
    const applied = await this.server.apply(this.defs);
    for (const e of applied.errors) this.options.emit({ type: 'daemon.log', at: Date.now(), level: 'error', message: e });
    const now = new Set(this.defs.map((d) => d.id));
    // Moved ports: every service that stays was closed and opened again elsewhere.
    const changed = new Set([...applied.changed, ...(moved ? [...now].filter((n) => previous.has(n)) : [])]);
    const report: ApplyReport = {
      added: [...now].filter((n) => !previous.has(n)),
      changed: [...changed],
      removed: [...previous].filter((n) => !now.has(n)),
      unchanged: [...now].filter((n) => previous.has(n) && !changed.has(n)),
    };
    this.announce();
    if (this.present && !wasPresent) report.added.push(SUPER_SERVER_NAME);
    else if (!this.present && wasPresent) {
      await this.setSuperServer(false);
      report.removed.push(SUPER_SERVER_NAME);
    } else if (this.present) report.unchanged.push(SUPER_SERVER_NAME);
    return report;
  }

  list(): ServiceStatus[] {
    if (!this.present) return [];
    const rows = this.server.status().map((s) => this.toStatus(s));
    return [this.superServerStatus(rows.length), ...rows];
  }

  async detail(name: string): Promise<UnitDetail | undefined> {
    if (name === SUPER_SERVER_NAME && this.present) {
      return { ...this.superServerStatus(this.defs.length), extra: { services: this.server.status().map((s) => s.id) } };
    }
    const s = this.server.get(name);
    if (!s) return undefined;
    const def = this.defs.find((d) => d.id === name);
    const unit = this.cgroups?.unit('inetd', s.id);
    return {
      ...this.toStatus(s),
      // Every process of its servers, from its cgroup.
      ...(unit ? { ...unit.usage([]), cgroup: unit.where } : {}),
      extra: {
        protocol: s.protocol,
        port: s.port,
        bind: s.bind,
        served: s.served,
        refused: s.refused,
        instances: s.instances,
        suspendedUntil: s.suspendedUntil,
        ...(def ? { settings: inetdSettings(def) } : {}),
      },
    };
  }

  /** The super-server starts and stops as a whole; an inetd-style service listens whenever it runs. */
  async act(name: string, action: UnitAction): Promise<ServiceState> {
    if (name !== SUPER_SERVER_NAME) {
      throw new HearthError('ERR_BAD_REQUEST', `cannot ${action} "${name}" by itself: an inetd-style service listens whenever the super-server runs`, {
        hint: `switch it with "hearth chkconfig ${name} on|off", or ${action} "${SUPER_SERVER_NAME}"`,
      });
    }
    if (action === 'stop') await this.setSuperServer(false);
    else if (action === 'start') await this.setSuperServer(true);
    else {
      // restart and reload: listeners are closed and opened again with the definitions in effect.
      await this.setSuperServer(false);
      await this.setSuperServer(true);
    }
    return this.superServerState();
  }

  runlevelUnit(name: string): RunlevelUnit | undefined {
    return name === SUPER_SERVER_NAME && this.present ? SUPER_SERVER_UNIT : undefined;
  }

  isUp(name: string): boolean {
    if (name === SUPER_SERVER_NAME) return this.on;
    const s = this.server.get(name);
    return s !== undefined && STATE[s.state] === 'running';
  }

  /** An inetd-style service is on or off as a whole: its xinetd.d file's disable line. */
  setEnabled(name: string, levels: number[] | undefined, on: boolean): Promise<EnableOutcome> | undefined {
    if (name === SUPER_SERVER_NAME) return undefined;
    if (levels !== undefined) {
      return Promise.reject(
        new HearthError('ERR_BAD_REQUEST', `"${name}" is an inetd-style service: it is on or off in every runlevel where the super-server runs`, {
          hint: `leave out --level: "hearth ${on ? 'enable' : 'disable'} ${name}"`,
        }),
      );
    }
    return this.setInetdServiceEnabled(name, on).then(() => ({ name, levels: null, enabled: on, reload: true }));
  }

  /** A wait = yes server holding its socket, or any per-connection server (running or ended lately). */
  ownerOf(pid: number): string | undefined {
    return this.server.status().find((s) => s.pid === pid)?.id ?? this.server.ownerOf(pid);
  }

  async shutdown(): Promise<void> {
    await this.server.stop();
  }

  /** For chkconfig's "xinetd based services:" section. */
  inetdServices(): Array<{ name: string; on: boolean; file: string; defaultOn?: boolean }> {
    return this.defs.map((d) => ({
      name: d.id,
      on: !d.disabled,
      file: d.origin.file,
      ...(d.defaultOn !== undefined ? { defaultOn: d.defaultOn } : {}),
    }));
  }

  /**
   * chkconfig NAME on|off for an xinetd service: rewrite its `disable` line in
   * place (everything else in the file is kept); the caller reloads.
   */
  async setInetdServiceEnabled(name: string, on: boolean): Promise<string> {
    const def = this.defs.find((d) => d.id === name || d.name === name);
    if (!def) throw new HearthError('ERR_UNKNOWN_SERVICE', `unknown xinetd service "${name}"`);
    if (def.origin.format !== 'xinetd') {
      throw new HearthError('ERR_BAD_REQUEST', `"${name}" comes from ${def.origin.file}, not an xinetd.d file; edit it there`);
    }
    const path = isAbsolute(def.origin.file) ? def.origin.file : join(this.options.configDir, def.origin.file);
    const text = await readFile(path, 'utf8');
    const updated = setXinetdDisable(text, on);
    const tmp = `${path}.hearth-tmp`;
    await writeFile(tmp, updated);
    await rename(tmp, path);
    return path;
  }

  /** Switches the whole super-server: no inetd-style service listens while it is off. */
  private async setSuperServer(on: boolean): Promise<void> {
    if (on === this.on) return;
    this.on = on;
    this.onSince = on ? Date.now() : null;
    await this.server.setEnabled(on);
    this.announce();
  }

  /** running, or degraded while some of its ports could not be bound; stopped when switched off. */
  private superServerState(): ServiceState {
    if (!this.on) return 'stopped';
    return this.server.status().some((s) => s.state === 'failed') ? 'degraded' : 'running';
  }

  /** Publishes the super-server's state when it changed. */
  private announce(): void {
    const to = this.present ? this.superServerState() : 'stopped';
    const from = this.announced;
    if (to === from) return;
    this.announced = to;
    const detail = to === 'degraded' ? this.degradedDetail() : undefined;
    this.options.emit(stateEvent(SUPER_SERVER_NAME, from, to, to === 'stopped' ? null : process.pid, detail));
  }

  /** "listening on 3 of 4 ports; not on tcp/8007 (cat): cannot listen on …: the port is in use by pid 812 (nginx)". */
  private degradedDetail(): string {
    const all = this.server.status().filter((s) => s.state !== 'disabled' && s.state !== 'broken');
    const failed = all.filter((s) => s.state === 'failed');
    const wanted = (s: InetdServiceStatus): number => {
      const def = this.defs.find((d) => d.id === s.id);
      const p = def?.port ?? 0;
      return p > 0 && p < 1024 ? p + this.portOffset : p;
    };
    const missing = failed.map((s) => `${s.protocol}/${wanted(s)} (${s.id}): ${s.errors.at(-1) ?? 'not bound'}`);
    return `listening on ${all.length - failed.length} of ${all.length} ports; not on ${missing.join('; ')}`;
  }

  private superServerStatus(count: number): ServiceStatus {
    const state = this.superServerState();
    return {
      name: SUPER_SERVER_NAME,
      description: `The super-server: listens for ${count} inetd-style service${count === 1 ? '' : 's'} and starts a server per connection`,
      kind: 'service',
      state,
      ...(state === 'degraded' ? { detail: this.degradedDetail() } : {}),
      pid: this.on ? process.pid : null,
      startedAt: this.onSince,
      readyAt: this.onSince,
      restarts: 0,
      lastExit: null,
      source: 'xinetd.conf',
    };
  }

  private toStatus(s: InetdServiceStatus): ServiceStatus {
    const where = s.port !== null ? `${s.protocol}/${s.port}` : s.protocol;
    const refused = Object.values(s.refused).reduce((a, b) => a + b, 0);
    const counters = `served ${s.served}, refused ${refused}, instances ${s.instances}`;
    return {
      name: s.id,
      description: s.description,
      kind: 'inetd',
      state: STATE[s.state],
      detail: s.state === 'failed' ? (s.errors.at(-1) ?? `failed ${where}`) : `${s.state} ${where}; ${counters}${s.detail ? `; ${s.detail}` : ''}`,
      pid: s.pid,
      startedAt: null,
      readyAt: null,
      restarts: 0,
      lastExit: null,
      source: s.source,
      // An inetd-style service is enabled unless its file says `disable = yes`.
      enabled: s.state !== 'disabled',
      ...(s.errors.length ? { errors: s.errors } : {}),
    };
  }
}
