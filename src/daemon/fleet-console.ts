/**
 * The fleet as this hearthd shows it to the GUI (/v1/fleet): a live view of
 * every host from an etcd watch, rolling restarts with their progress, and
 * the audit roll-up. It talks to etcd as [fleet] admin_user when one is set
 * (a host's own etcd user may read only its own keys), and only while someone
 * looks: the watch starts with the first request and stops when nobody has
 * asked for a while, so a fleet of hosts does not each watch all the others.
 */
import type { FleetSettings } from '../config/index.js';
import type { FleetApi, FleetInfo, FleetOverview, FleetRestartRun, FleetAuditRow } from '../control/daemon-api.js';
import type { EtcdClient, FleetAdmin, FleetWatch, FleetWatchSnapshot } from '../fleet/index.js';
import { HearthError, describeError } from '../errors/index.js';

/** The watch stops this long after the last request or subscriber. */
const IDLE_MS = 5 * 60_000;
/** A console that could not open its etcd client tries again this often while watched. */
const RETRY_MS = 5000;
/** How long one host may take to restart a unit and report it ready. */
const HOST_TIMEOUT_MS = 60_000;

export class FleetConsole implements FleetApi {
  private connection: Promise<{ client: EtcdClient; admin: FleetAdmin; watch: FleetWatch }> | undefined;
  private snapshot: FleetWatchSnapshot = { state: 'syncing', hosts: [], at: Date.now() };
  private readonly listeners = new Set<(o: FleetOverview) => void>();
  private run: FleetRestartRun | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private runs = 0;

  constructor(
    private readonly settings: FleetSettings,
    private readonly self: () => FleetInfo,
  ) {}

  overview(): FleetOverview {
    void this.connect().catch(() => undefined);
    this.touch();
    return { self: this.self(), view: this.snapshot, ...(this.run ? { restart: this.run } : {}) };
  }

  subscribe(on: (o: FleetOverview) => void): () => void {
    this.listeners.add(on);
    void this.connect().catch(() => undefined);
    return () => {
      this.listeners.delete(on);
      this.touch();
    };
  }

  /** Something this page shows changed (hosts, this host's link, a restart): tell the subscribers. */
  changed(): void {
    if (this.listeners.size === 0) return;
    const o: FleetOverview = { self: this.self(), view: this.snapshot, ...(this.run ? { restart: this.run } : {}) };
    for (const on of this.listeners) on(o);
  }

  async restart(spec: { unit: string; selector?: string; maxUnavailable?: number }): Promise<FleetRestartRun> {
    if (this.run && !this.run.result && !this.run.error) {
      throw new HearthError('ERR_BAD_REQUEST', `a rolling restart of "${this.run.unit}" is still going`, { hint: 'wait for it to finish' });
    }
    const { admin } = await this.connect();
    const selector = spec.selector ?? '*';
    const maxUnavailable = spec.maxUnavailable ?? 1;
    const hosts = (await admin.hosts(selector, { names: true })).map((h) => h.name);
    const run: FleetRestartRun = { id: `r${++this.runs}-${Date.now()}`, unit: spec.unit, selector, maxUnavailable, startedAt: Date.now(), hosts, progress: {} };
    this.run = run;
    this.changed();
    admin
      .restart(spec.unit, {
        selector,
        maxUnavailable,
        timeoutMs: HOST_TIMEOUT_MS,
        onProgress: (p) => {
          run.progress[p.host] = { phase: p.phase, ...(p.error ? { error: p.error } : {}), at: Date.now() };
          this.changed();
        },
      })
      .then(
        (result) => (run.result = result),
        (e: unknown) => (run.error = describeError(e)),
      )
      .finally(() => this.changed());
    return run;
  }

  async audit(selector?: string): Promise<FleetAuditRow[]> {
    const { admin } = await this.connect();
    this.touch();
    return admin.audit(selector);
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const c = this.connection;
    this.connection = undefined;
    if (!c) return;
    const { client, watch } = await c.catch(() => ({ client: undefined, watch: undefined }));
    await watch?.stop();
    client?.close();
  }

  private connect(): Promise<{ client: EtcdClient; admin: FleetAdmin; watch: FleetWatch }> {
    this.connection ??= (async () => {
      const { openFleetClient, FleetAdmin, FleetWatch } = await import('../fleet/index.js');
      const client = await openFleetClient(this.settings, { asAdmin: true });
      const watch = new FleetWatch({
        client,
        onChange: (s) => {
          this.snapshot = s;
          this.changed();
        },
      });
      watch.start();
      return { client, admin: new FleetAdmin(client), watch };
    })();
    this.connection.catch((e: unknown) => {
      // Unreadable TLS or password files: say so, and try again while someone is looking.
      this.snapshot = { ...this.snapshot, state: 'stale', error: describeError(e), at: Date.now() };
      this.connection = undefined;
      this.changed();
      if (this.listeners.size > 0) setTimeout(() => void this.connect().catch(() => undefined), RETRY_MS).unref();
    });
    return this.connection;
  }

  /** Keeps the watch while it is used; stops it after IDLE_MS without requests, subscribers or a running restart. */
  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.listeners.size > 0 || (this.run && !this.run.result && !this.run.error)) return this.touch();
      void this.close();
    }, IDLE_MS).unref();
  }
}
