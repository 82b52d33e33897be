/**
 * The super-server as hearthd shows it: one service named "xinetd" (on or off
 * as a whole, per runlevel like any other service) and one entry per
 * inetd-style service with its counters. The engine itself lives in
 * src/superserver; this file only adapts it to the daemon's vocabulary.
 */
import { readFile, writeFile, rename } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { HearthError } from '../errors/index.js';
import type { HearthEvent, InetdServiceDefinition, InetdServiceStatus, ServiceState, ServiceStatus } from '../model/index.js';
import { SuperServer } from '../superserver/index.js';
import type { InetdLoadResult } from '../config/index.js';
import type { Journal } from '../journal/index.js';
import { setXinetdDisable } from '../runlevels/index.js';

export const SUPER_SERVER_NAME = 'xinetd';

export interface InetdHostOptions {
  emit(event: HearthEvent): void;
  journal: Journal;
  portOffset: number;
  configDir: string;
}

const STATE: Record<InetdServiceStatus['state'], ServiceState> = {
  listening: 'running',
  waiting: 'running',
  suspended: 'backoff',
  disabled: 'stopped',
  off: 'stopped',
  broken: 'broken',
};

export class InetdHost {
  private server: SuperServer;
  private defs: InetdServiceDefinition[] = [];
  private present = false;
  private on = false;
  private onSince: number | null = null;

  constructor(private readonly options: InetdHostOptions) {
    this.server = this.createServer(options.portOffset);
  }

  private createServer(portOffset: number): SuperServer {
    return new SuperServer({
      portOffset,
      onLog: (line) =>
        this.options.journal.record(line.id, {
          stream: 'hearth',
          text: line.message,
          priority: line.level === 'error' ? 3 : line.level === 'warn' ? 4 : 6,
        }),
      onEvent: (e) => {
        if (e.type === 'inetd.server') return; // per-connection noise stays in the service's log
        const what =
          e.type === 'inetd.listening'
            ? `listening on ${e.protocol} port ${e.port}`
            : e.type === 'inetd.closed'
              ? 'closed'
              : e.type === 'inetd.suspended'
                ? `suspended until ${new Date(e.until).toISOString()}: ${e.reason}`
                : e.type === 'inetd.resumed'
                  ? 'resumed'
                  : e.message;
        const level = e.type === 'inetd.error' ? 'error' : e.type === 'inetd.notice' ? e.level : 'info';
        this.options.emit({ type: 'daemon.log', at: e.at, level, message: `${e.id}: ${what}` });
      },
    });
  }

  /** Whether the super-server is part of this config at all (any xinetd/inetd source). */
  get isPresent(): boolean {
    return this.present;
  }

  get superServerEnabled(): boolean {
    return this.on;
  }

  /** The inetd-style services as configured (for the audit). */
  definitions(): readonly InetdServiceDefinition[] {
    return this.defs;
  }

  has(name: string): boolean {
    return (this.present && name === SUPER_SERVER_NAME) || this.defs.some((d) => d.id === name);
  }

  names(): string[] {
    return [...(this.present ? [SUPER_SERVER_NAME] : []), ...this.defs.map((d) => d.id)];
  }

  /** New definitions from a (re)load; listeners of unchanged services stay open. */
  async apply(result: InetdLoadResult, present: boolean, portOffset: number): Promise<{ added: string[]; changed: string[]; removed: string[] }> {
    this.present = present;
    const previous = new Set(this.defs.map((d) => d.id));
    this.defs = result.services;
    if (portOffset !== this.options.portOffset) {
      // Every port moves: start over with a fresh engine.
      await this.server.stop();
      this.options.portOffset = portOffset;
      this.server = this.createServer(portOffset);
    }
    // While the super-server is off, new definitions are only remembered.
    if (!this.on) await this.server.setEnabled(false);
    const applied = await this.server.apply(this.defs);
    for (const e of applied.errors) this.options.emit({ type: 'daemon.log', at: Date.now(), level: 'error', message: e });
    const now = new Set(this.defs.map((d) => d.id));
    return {
      added: [...now].filter((n) => !previous.has(n)),
      changed: applied.changed,
      removed: [...previous].filter((n) => !now.has(n)),
    };
  }

  /** Switches the whole super-server: no inetd-style service listens while it is off. */
  async setEnabled(on: boolean): Promise<void> {
    if (on === this.on) return;
    const from = this.on ? 'running' : 'stopped';
    this.on = on;
    this.onSince = on ? Date.now() : null;
    await this.server.setEnabled(on);
    this.options.emit({
      type: 'service.state',
      at: Date.now(),
      name: SUPER_SERVER_NAME,
      from,
      to: on ? 'running' : 'stopped',
      pid: on ? process.pid : null,
    });
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }

  list(): ServiceStatus[] {
    if (!this.present) return [];
    const rows = this.server.status().map((s) => this.toStatus(s));
    return [this.superServerStatus(rows.length), ...rows];
  }

  detail(name: string): (ServiceStatus & { extra: Record<string, unknown> }) | undefined {
    if (name === SUPER_SERVER_NAME && this.present) {
      return { ...this.superServerStatus(this.defs.length), extra: { services: this.server.status().map((s) => s.id) } };
    }
    const s = this.server.get(name);
    if (!s) return undefined;
    return {
      ...this.toStatus(s),
      extra: {
        protocol: s.protocol,
        port: s.port,
        bind: s.bind,
        served: s.served,
        refused: s.refused,
        instances: s.instances,
        suspendedUntil: s.suspendedUntil,
      },
    };
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
   * place (everything else in the file is kept) and let the caller reload.
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

  private superServerStatus(count: number): ServiceStatus {
    return {
      name: SUPER_SERVER_NAME,
      description: `The super-server: listens for ${count} inetd-style service${count === 1 ? '' : 's'} and starts a server per connection`,
      kind: 'service',
      state: this.on ? 'running' : 'stopped',
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
      detail: `${s.state} ${where}; ${counters}${s.detail ? `; ${s.detail}` : ''}`,
      pid: s.pid,
      startedAt: null,
      readyAt: null,
      restarts: 0,
      lastExit: null,
      source: s.source,
      ...(s.errors.length ? { errors: s.errors } : {}),
    };
  }
}
