/**
 * The fleet as an administrator sees it: the operations behind `hearth fleet
 * hosts|status|apply|diff|rollback|restart|audit`. Each returns plain data
 * (rendered by the CLI, the GUI or --json); etcd failures become ERR_FLEET
 * errors that say what was attempted.
 */
import { findDaemon } from '../catalog/index.js';
import type { EtcdClient, KeyValue } from './etcd-client.js';
import { HOSTS } from './keys.js';
import { matchesHost, parseSelector } from './selector.js';
import { hostViews, type HostView } from './host-view.js';
import { aliveLeases, confirmLeases } from './lease-liveness.js';

export type { HostView };
import {
  applyBundle,
  bundleHistory,
  diffBundle,
  fleetError,
  listBundles,
  removeBundle,
  rollbackBundle,
  type ApplyOptions,
  type ApplyResult,
  type BundleDiff,
  type BundleDoc,
} from './desired.js';
import { rollingRestart, type RollingProgress, type RollingResult } from './rolling.js';
import { requestRestart } from './control.js';

export interface StatusRow {
  host: string;
  up: boolean;
  name: string;
  kind: string;
  /** The unit's state, or "absent" when the host does not have it. */
  state: string;
  enabled: number[];
  pids: number;
  restarts: number;
  lastFailure?: { at: number; reason: string };
}

export interface AuditRow {
  host: string;
  up: boolean;
  findings: number;
  units: { name: string; state: string; findings: number; risk?: string; reason?: string }[];
}

export interface RestartOptions {
  selector?: string;
  maxUnavailable?: number;
  /** How long one host may take to restart the unit and report it ready; default 60 s. */
  timeoutMs?: number;
  /** Skip hosts that are down instead of stopping at them. */
  skipDown?: boolean;
  onProgress?: (p: RollingProgress) => void;
}

const RUNNING = new Set(['running', 'listening', 'waiting', 'active', 'ready', 'started']);

export class FleetAdmin {
  constructor(private readonly client: EtcdClient) {}

  /**
   * Every host that ever registered, up or down, sorted by name. Up means etcd
   * says the host's lease is live, not only that its alive key is there (see
   * lease-liveness.ts): one more round trip per host that looks up, about
   * 0.5 s for 1,000 hosts. Callers that want names and labels only pass
   * { names: true }: one read, and up then means only that the key is there.
   */
  async hosts(selector?: string, options: { names?: boolean } = {}): Promise<HostView[]> {
    const { views, kvs } = await this.read(selector);
    if (options.names) return views;
    return confirmLeases(this.client, views, aliveLeases(kvs)).catch((e: unknown) => {
      throw fleetError('cannot check the fleet\'s hosts\' leases', e);
    });
  }

  /** The hosts as their keys say, with up meaning only that the alive key is there. */
  private async read(selector?: string): Promise<{ views: HostView[]; kvs: KeyValue[] }> {
    const sel = selector ? parseSelector(selector) : undefined;
    const r = await this.client.range(HOSTS, { prefix: true }).catch((e: unknown) => {
      throw fleetError('cannot list the fleet\'s hosts', e);
    });
    return { views: hostViews(r.kvs, sel), kvs: r.kvs };
  }

  /** One row per host and unit (or per host for one unit, "absent" where it is missing). */
  async status(unit?: string, selector?: string): Promise<StatusRow[]> {
    const rows: StatusRow[] = [];
    for (const h of await this.hosts(selector)) {
      const units = unit ? h.units.filter((u) => u.name === unit) : h.units;
      if (unit && units.length === 0) rows.push({ host: h.name, up: h.up, name: unit, kind: '', state: 'absent', enabled: [], pids: 0, restarts: 0 });
      for (const u of units) {
        rows.push({
          host: h.name,
          up: h.up,
          name: u.name,
          kind: u.kind,
          state: u.state,
          enabled: u.enabled,
          pids: u.pids,
          restarts: u.restarts,
          ...(u.lastFailure ? { lastFailure: u.lastFailure } : {}),
        });
      }
    }
    return rows;
  }

  apply(options: ApplyOptions): Promise<ApplyResult> {
    return wrap('cannot apply to the fleet', () => applyBundle(this.client, options));
  }

  /** What apply would change, plus which hosts the bundle reaches before and after. */
  async diff(options: { dir: string; selector: string; bundle?: string }): Promise<BundleDiff & { hostsBefore: string[]; hostsAfter: string[] }> {
    const d = await wrap('cannot read the fleet\'s desired state', () => diffBundle(this.client, options));
    // Whether each host is up does not change what the bundle reaches.
    const hosts = await this.hosts(undefined, { names: true });
    const reach = (selector: string | undefined) => {
      if (selector === undefined || selector === '') return [];
      const sel = parseSelector(selector);
      return hosts.filter((h) => matchesHost(sel, h.name, h.labels)).map((h) => h.name);
    };
    return { ...d, hostsBefore: reach(d.selectorBefore), hostsAfter: reach(d.selectorAfter) };
  }

  rollback(bundle: string, options: { to?: number; by?: string } = {}): Promise<ApplyResult> {
    return wrap(`cannot roll back bundle "${bundle}"`, () => rollbackBundle(this.client, bundle, options));
  }

  remove(bundle: string, options: { by?: string } = {}): Promise<ApplyResult> {
    return wrap(`cannot remove bundle "${bundle}"`, () => removeBundle(this.client, bundle, options));
  }

  bundles(): Promise<BundleDoc[]> {
    return wrap('cannot list the fleet\'s bundles', async () => (await listBundles(this.client)).bundles);
  }

  history(bundle: string): Promise<BundleDoc[]> {
    return wrap(`cannot read the history of bundle "${bundle}"`, () => bundleHistory(this.client, bundle));
  }

  /**
   * Restarts unit on every matching host through etcd (a request per host that
   * its agent acts on and acknowledges once the unit is ready), maxUnavailable
   * at a time, stopping at the first failure.
   */
  async restart(unit: string, options: RestartOptions = {}): Promise<RollingResult> {
    const hosts = (await this.hosts(options.selector)).filter((h) => !options.skipDown || h.up);
    const down = new Set(hosts.filter((h) => !h.up).map((h) => h.name));
    const timeoutMs = options.timeoutMs ?? 60_000;
    return rollingRestart({
      hosts: hosts.map((h) => h.name),
      ...(options.maxUnavailable !== undefined ? { maxUnavailable: options.maxUnavailable } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      restart: async (host) => {
        if (down.has(host)) throw new Error(`host "${host}" is down`);
      },
      waitReady: async (host) => {
        await requestRestart(this.client, host, unit, { timeoutMs });
      },
    });
  }

  /** Audit roll-up: findings per host, and the risky daemons each one runs. */
  async audit(selector?: string): Promise<AuditRow[]> {
    return (await this.hosts(selector)).map((h) => {
      const units = h.units
        .map((u) => {
          const entry = findDaemon(u.name);
          const risky = entry?.risk === 'high' && RUNNING.has(u.state);
          return { u, entry, risky };
        })
        .filter(({ u, risky }) => u.findings > 0 || risky)
        .map(({ u, entry }) => ({ name: u.name, state: u.state, findings: u.findings, ...(entry ? { risk: entry.risk, reason: entry.riskReason } : {}) }));
      return { host: h.name, up: h.up, findings: h.units.reduce((n, u) => n + u.findings, 0), units };
    });
  }
}

async function wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fleetError(what, e);
  }
}
