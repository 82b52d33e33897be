import { HearthError } from '../errors/index.js';
import type { HearthEvent, ServiceStatus } from '../model/index.js';
import type {
  ActionResult,
  ConfigReport,
  DaemonApi,
  DaemonInfo,
  LogQuery,
  LogRecord,
  ReloadReport,
  ServiceDetail,
} from './daemon-api.js';
import { stateEvent } from '../model/index.js';

/**
 * An in-memory DaemonApi for tests of the API, the client and every front end:
 * no processes, deterministic answers, and hooks to push events and log lines.
 */
export class FakeDaemonApi implements DaemonApi {
  readonly services = new Map<string, ServiceStatus>();
  readonly records: LogRecord[] = [];
  readonly calls: Array<{ method: string; args: unknown[] }> = [];
  private readonly eventListeners = new Set<(e: HearthEvent) => void>();
  private readonly logListeners = new Set<{ query: LogQuery; on: (r: LogRecord) => void }>();
  reloadReport: ReloadReport = {
    configDir: '/fake/config',
    ok: true,
    services: [],
    errors: [],
    warnings: [],
    added: [],
    changed: [],
    removed: [],
    unchanged: [],
  };
  checkReport: ConfigReport | undefined;

  constructor(services: ServiceStatus[] = []) {
    for (const s of services) this.services.set(s.name, s);
  }

  get subscriberCount(): number {
    return this.eventListeners.size + this.logListeners.size;
  }

  info(): DaemonInfo {
    return {
      pid: 4242,
      version: '0.0.0-fake',
      startedAt: 1_700_000_000_000,
      configDir: '/fake/config',
      stateDir: '/fake/state',
      runtimeDir: '/fake/run',
      logDir: '/fake/log',
      socketPath: '/fake/run/hearth.sock',
      runlevel: 3,
      previousRunlevel: null,
    };
  }

  list(): ServiceStatus[] {
    return [...this.services.values()].map((s) => ({ ...s }));
  }

  async status(name: string): Promise<ServiceDetail | undefined> {
    this.calls.push({ method: 'status', args: [name] });
    const s = this.services.get(name);
    if (!s) return undefined;
    return { ...s, memoryBytes: 3 * 1024 * 1024, cpuSeconds: 1.25, recentLogs: this.records.filter((r) => r.service === name).slice(-10) };
  }

  private async act(method: string, names: string[], to: ServiceStatus['state'] | undefined): Promise<ActionResult[]> {
    this.calls.push({ method, args: [names] });
    return names.map((name) => {
      const s = this.services.get(name);
      if (!s) return { name, ok: false, error: { code: 'ERR_UNKNOWN_SERVICE', message: `unknown service "${name}"` } };
      if (s.state === 'broken') {
        return { name, ok: false, state: s.state, error: { code: 'ERR_SERVICE_BROKEN', message: `cannot ${method} "${name}": its definition is broken` } };
      }
      if (to) {
        const from = s.state;
        s.state = to;
        s.pid = to === 'running' ? 1000 + this.calls.length : null;
        s.startedAt = to === 'running' ? Date.now() : null;
        this.emit(stateEvent(name, from, to, s.pid));
      }
      return { name, ok: true, state: s.state };
    });
  }

  start(names: string[]): Promise<ActionResult[]> {
    return this.act('start', names, 'running');
  }
  stop(names: string[]): Promise<ActionResult[]> {
    return this.act('stop', names, 'stopped');
  }
  restart(names: string[]): Promise<ActionResult[]> {
    return this.act('restart', names, 'running');
  }
  reload(names: string[]): Promise<ActionResult[]> {
    return this.act('reload', names, undefined);
  }

  /** What analyze answers for the boot and for the last switch (nothing recorded when absent). */
  transitions: Partial<Record<'boot' | 'last', unknown>> = {};

  analyze(which: 'boot' | 'last'): unknown {
    this.calls.push({ method: 'analyze', args: [which] });
    return this.transitions[which];
  }

  async reloadConfig(): Promise<ReloadReport> {
    this.calls.push({ method: 'reloadConfig', args: [] });
    return this.reloadReport;
  }

  async check(configDir?: string): Promise<ConfigReport> {
    this.calls.push({ method: 'check', args: [configDir] });
    if (configDir === '/does/not/exist') {
      throw new HearthError('ERR_CONFIG_IO', `cannot read config dir "${configDir}"`);
    }
    return (
      this.checkReport ?? { configDir: configDir ?? '/fake/config', ok: true, services: [...this.services.keys()], errors: [], warnings: [] }
    );
  }

  async logs(query: LogQuery): Promise<LogRecord[]> {
    this.calls.push({ method: 'logs', args: [query] });
    const hits = this.records.filter((r) => matches(query, r));
    return query.lines === undefined ? hits : hits.slice(Math.max(0, hits.length - query.lines));
  }

  followLogs(query: LogQuery, onRecord: (r: LogRecord) => void): () => void {
    const entry = { query, on: onRecord };
    this.logListeners.add(entry);
    return () => this.logListeners.delete(entry);
  }

  subscribe(onEvent: (e: HearthEvent) => void): () => void {
    this.eventListeners.add(onEvent);
    return () => this.eventListeners.delete(onEvent);
  }

  emit(e: HearthEvent): void {
    for (const l of this.eventListeners) l(e);
  }

  /** Appends a record to the fake journal and feeds followers. */
  log(r: LogRecord): void {
    this.records.push(r);
    for (const l of this.logListeners) if (matches(l.query, r)) l.on(r);
  }
}

function matches(q: LogQuery, r: LogRecord): boolean {
  if (q.names && q.names.length > 0 && !q.names.includes(r.service)) return false;
  if (q.since !== undefined && r.ts < q.since) return false;
  if (q.until !== undefined && r.ts > q.until) return false;
  if (q.grep !== undefined && !r.text.includes(q.grep)) return false;
  return true;
}

/** A ServiceStatus with sensible defaults, for building fakes. */
export function fakeService(name: string, over: Partial<ServiceStatus> = {}): ServiceStatus {
  return {
    name,
    description: `The ${name} service`,
    kind: 'service',
    state: 'stopped',
    pid: null,
    startedAt: null,
    readyAt: null,
    restarts: 0,
    lastExit: null,
    source: `services/${name}.toml`,
    ...over,
  };
}
