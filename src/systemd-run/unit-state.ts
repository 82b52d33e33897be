/**
 * What hearthd holds of its systemd units at run time: the loaded units by
 * every name they answer to, the supervisor that runs the .service units
 * (hearth's own, with the units' definitions), the socket and timer
 * runtimes, which targets are reached, and when each unit last became
 * active or inactive. Instances of templates are loaded when first asked
 * for (postgresql@15-main.service, a connection's ssh@….service).
 */
import type net from 'node:net';
import { join } from 'node:path';
import type { SystemdConfig } from '../config/index.js';
import { HearthError } from '../errors/index.js';
import { STATE_CLASS, type HearthEvent, type ServiceState } from '../model/index.js';
import type { Supervisor } from '../supervisor/index.js';
import { classifyUnitName, serviceDefinition, type SystemdUnit } from '../systemd/index.js';
import { SocketUnit, type SocketContext } from './socket-unit.js';
import { TimerUnit, type TimerContext } from './timer-unit.js';

export interface UnitTimes {
  activeAt: number | null;
  inactiveAt: number | null;
}

export class UnitState {
  config: SystemdConfig | undefined;
  readonly units = new Map<string, SystemdUnit>();
  private readonly aliases = new Map<string, string>();
  /** Why a .service cannot run (no definition): its refusals. */
  readonly refused = new Map<string, string[]>();
  readonly sockets = new Map<string, SocketUnit>();
  readonly timers = new Map<string, TimerUnit>();
  readonly targets = new Map<string, { active: boolean; since: number | null }>();
  /** Units whose last start was skipped by a condition, and which one. */
  readonly skipped = new Map<string, string>();
  readonly times = new Map<string, UnitTimes>();
  /** Per-connection instances of Accept=yes sockets: their connection, and the socket that made them. */
  readonly connections = new Map<string, net.Socket>();
  readonly instanceOf = new Map<string, string>();

  constructor(
    readonly supervisor: Supervisor,
    private readonly socketContext: SocketContext,
    private readonly timerContext: TimerContext,
  ) {}

  /** The unit's own name for any name it answers to; undefined when none. */
  canonical(name: string): string | undefined {
    if (this.units.has(name)) return name;
    return this.aliases.get(name) ?? (this.loadInstance(name) ? name : undefined);
  }

  unit(name: string): SystemdUnit | undefined {
    const c = this.canonical(name);
    return c === undefined ? undefined : this.units.get(c);
  }

  /** Adds (or replaces) a unit under all its names. */
  add(u: SystemdUnit): void {
    this.units.set(u.name, u);
    for (const n of u.names) if (n !== u.name) this.aliases.set(n, u.name);
    if (u.type === 'socket' && !this.sockets.has(u.name) && u.loadState === 'loaded') this.sockets.set(u.name, new SocketUnit(u, this.socketContext));
    if (u.type === 'timer' && !this.timers.has(u.name) && u.loadState === 'loaded') this.timers.set(u.name, new TimerUnit(u, this.timerContext));
    if (u.type === 'target' && !this.targets.has(u.name)) this.targets.set(u.name, { active: false, since: null });
  }

  remove(name: string): void {
    const u = this.units.get(name);
    this.units.delete(name);
    for (const n of u?.names ?? []) if (this.aliases.get(n) === name) this.aliases.delete(n);
    this.refused.delete(name);
    this.sockets.delete(name);
    this.timers.delete(name);
    this.targets.delete(name);
    this.skipped.delete(name);
  }

  /** An instance of a template the search path has, loaded and made runnable on first use. */
  private loadInstance(name: string): boolean {
    const config = this.config;
    if (!config || classifyUnitName(name) !== 'instance' || config.loader.directory.fragmentOf(name) === null) return false;
    const u = config.loader.load(name);
    if (u.loadState === 'not-found') return false;
    this.add(u);
    if (u.type === 'service') {
      const t = serviceDefinition(u, config.translate);
      if (t.definition) void this.supervisor.define(t.definition);
      else this.refused.set(u.name, t.problems.filter((p) => p.severity === 'error').map((p) => p.message));
    }
    return true;
  }

  /** A per-connection instance: defined, served its connection, started. */
  async startInstance(name: string, socket: string, connection: net.Socket): Promise<void> {
    const config = this.config;
    if (!config) throw new HearthError('ERR_SPAWN', `cannot start ${name}: no systemd units are loaded`);
    const u = config.loader.load(name);
    if (u.loadState !== 'loaded') throw new HearthError('ERR_SPAWN', `cannot start ${name}: the template is ${u.loadState}`);
    const t = serviceDefinition(u, config.translate);
    if (!t.definition) throw new HearthError('ERR_SPAWN', `cannot start ${name}: ${t.problems.find((p) => p.severity === 'error')?.message ?? 'refused'}`);
    this.add(u);
    this.connections.set(name, connection);
    this.instanceOf.set(name, socket);
    await this.supervisor.define(t.definition);
    await this.supervisor.start(name);
  }

  /** A per-connection instance ended: it goes, and its connection no longer counts. */
  async forgetInstance(name: string): Promise<void> {
    const socket = this.instanceOf.get(name);
    if (socket === undefined) return;
    this.instanceOf.delete(name);
    this.connections.get(name)?.destroy();
    this.connections.delete(name);
    this.sockets.get(socket)?.instanceEnded(name);
    this.remove(name);
    await this.supervisor.remove(name);
  }

  /** The state of an own unit by its own name. */
  stateOf(name: string): ServiceState {
    const u = this.units.get(name);
    if (!u) return 'stopped';
    if (u.type === 'service') return this.supervisor.has(name) ? this.supervisor.get(name).state : this.refused.has(name) ? 'broken' : 'stopped';
    if (u.type === 'socket') return this.sockets.get(name)?.state ?? 'stopped';
    if (u.type === 'timer') return this.timers.get(name)?.active ? 'waiting' : 'stopped';
    if (u.type === 'target') return this.targets.get(name)?.active ? 'running' : 'stopped';
    return 'stopped';
  }

  isUp(name: string): boolean {
    const c = STATE_CLASS[this.stateOf(name)];
    return c === 'active' || c === 'activating' || c === 'deactivating';
  }

  /** Keeps unit times and what depends on them in step with the services' states. */
  observe(e: HearthEvent, react: (name: string, to: ServiceState) => void): void {
    if (e.type !== 'service.state' || e.from === e.to) return;
    const times = this.times.get(e.name) ?? { activeAt: null, inactiveAt: null };
    const wasUp = ['active', 'activating'].includes(STATE_CLASS[e.from]);
    const isUp = ['active', 'activating'].includes(STATE_CLASS[e.to]);
    if (!wasUp && isUp) times.activeAt = e.at;
    if (wasUp && !isUp && STATE_CLASS[e.to] !== 'deactivating') times.inactiveAt = e.at;
    this.times.set(e.name, times);
    for (const t of this.timers.values()) if (t.target === e.name) t.unitChanged();
    react(e.name, e.to);
  }

  controlDir(runtimeDir: string): string {
    return join(runtimeDir, 'systemd', 'sockets');
  }
}
