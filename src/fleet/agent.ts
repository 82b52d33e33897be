/**
 * FleetAgent: what one hearthd runs to be part of a fleet. It registers the
 * host (lease), publishes its report, watches the desired state and writes the
 * bundles assigned to this host into STATE_DIR/fleet/current (then calls
 * onChange), reports conflicts, and acts on restart requests addressed to it.
 *
 * Fail-static: the materialised set changes only after a complete, successful
 * read of the desired state. Losing etcd (or starting without it) leaves the
 * last set in place; the agent keeps retrying and catches up when etcd returns.
 * No method throws because etcd is away.
 */
import type { FleetSettings } from '../config/index.js';
import { Backoff, Sleeper } from './backoff.js';
import { EtcdError, type EtcdClient, type KeyValue } from './etcd-client.js';
import { openWatch, type Watch, type WatchEvent } from './etcd-watch.js';
import { BUNDLES, ackKey, controlPrefix, reportKey } from './keys.js';
import { decodeBundle, type BundleDoc } from './desired.js';
import { assignBundles, type AssignedSet } from './assignment.js';
import { fleetRoot, materialise, readCurrentSet, type MaterialisedSet } from './materialise.js';
import { HostRegistration, type FleetLinkState } from './registration.js';
import { ReportPublisher, type PublisherStats } from './publisher.js';
import { decodeAck, decodeRequest, type ControlAck, type ControlRequest } from './control.js';
import { openFleetClient } from './connect.js';
import type { Conflict, UnitSummary } from './report.js';

const RESYNC = 'resync: ';
const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export interface FleetAgentOptions {
  settings: FleetSettings;
  /** hearthd's state dir: the agent owns STATE_DIR/fleet/. */
  stateDir: string;
  hearthVersion?: string;
  /** A new set is current: load units from set.dir (local units of the same name win). */
  onChange?: (set: MaterialisedSet) => void | Promise<void>;
  /** Restart the unit and resolve once it is ready again; throw to report a failure to the requester. */
  onRestartRequest?: (unit: string) => Promise<void>;
  /** The link or the sync state changed (for status and doctor). */
  onStatus?: (status: FleetAgentStatus) => void;
  /** At most one report write per interval; default 1 s. */
  reportIntervalMs?: number;
  requestTimeoutMs?: number;
  /** An already open client (tests, simulated hosts); the agent then leaves it open on stop(). */
  client?: EtcdClient;
}

export interface FleetAgentStatus {
  host: string;
  link: FleetLinkState;
  /** in-sync: watching etcd; syncing: (re)reading it; stale: cannot, running the last set. */
  desired: 'syncing' | 'in-sync' | 'stale';
  lastSyncError?: string;
  set?: Omit<MaterialisedSet, 'dir'> & { dir: string };
  conflicts: Conflict[];
  report: PublisherStats;
}

export class FleetAgent {
  readonly host: string;
  private current: MaterialisedSet | undefined;
  private assigned: AssignedSet | undefined;
  private readonly bundles = new Map<string, BundleDoc>();
  private localUnits = new Set<string>();
  private conflicts: Conflict[] = [];
  private desired: FleetAgentStatus['desired'] = 'syncing';
  private lastSyncError: string | undefined;
  private watches: Watch[] = [];
  private wakeSync: ((why: string) => void) | undefined;
  private stopped = false;
  private syncLoop: Promise<void> | undefined;
  private reconcileChain: Promise<void> = Promise.resolve();
  private controlChain: Promise<void> = Promise.resolve();
  private lastAckId: string | undefined;
  private readonly sleeper = new Sleeper();
  private readonly backoff = new Backoff({ initialMs: 250, maxMs: 10_000 });
  private readonly registration: HostRegistration;
  private readonly publisher: ReportPublisher;
  private wasRetrying = false;

  private constructor(
    private readonly options: FleetAgentOptions,
    private readonly client: EtcdClient,
  ) {
    const { settings } = options;
    this.host = settings.name;
    this.publisher = new ReportPublisher({ client, key: reportKey(this.host), minIntervalMs: options.reportIntervalMs ?? 1000 });
    this.registration = new HostRegistration({
      client,
      host: this.host,
      leaseTtlMs: settings.leaseTtlMs,
      info: () => ({ labels: settings.labels, version: options.hearthVersion ?? '', pid: process.pid }),
      onState: (link) => {
        if (link.state === 'retrying') this.wasRetrying = true;
        this.emitStatus();
      },
      onReconnected: () => {
        this.publisher.republish();
        if (this.wasRetrying || this.desired !== 'in-sync') this.resync('etcd answers again');
        this.wasRetrying = false;
      },
      onAlive: () => {
        // A watch left on a member the client moved away from may be dead without knowing it (a paused or
        // partitioned member keeps its sockets open): follow the client.
        const w = this.watches[0];
        if (w && w.endpoint !== client.endpoint) this.resync('the watch is on a member the client left');
      },
    });
  }

  /** Reads the last materialised set (usable at once, before etcd answers); throws only for unreadable TLS or password files. */
  static async create(options: FleetAgentOptions): Promise<FleetAgent> {
    const client = options.client ?? (await openFleetClient(options.settings, { requestTimeoutMs: options.requestTimeoutMs }));
    const agent = new FleetAgent(options, client);
    agent.current = await readCurrentSet(fleetRoot(options.stateDir));
    return agent;
  }

  /** The folder of the set in use (load fleet units from it), or undefined when the host has none yet. */
  get configDir(): string | undefined {
    return this.current?.dir;
  }

  start(): void {
    this.registration.start();
    this.syncLoop ??= this.runSync();
  }

  /** Leaves the fleet: the host shows down at once. The materialised set stays on disk. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeper.interrupt();
    this.wakeSync?.('stop');
    // The sync loop may be inside a request to a member that does not answer: do not wait out its deadline.
    await Promise.all([Promise.race([this.syncLoop, delay(1000)]), this.registration.stop()]);
    this.closeWatches();
    await Promise.race([this.publisher.flushed(), delay(1000)]);
    this.publisher.stop();
    await this.controlChain;
    if (!this.options.client) this.client.close();
  }

  status(): FleetAgentStatus {
    return {
      host: this.host,
      link: this.registration.state,
      desired: this.desired,
      ...(this.lastSyncError ? { lastSyncError: this.lastSyncError } : {}),
      ...(this.current ? { set: { ...this.current } } : {}),
      conflicts: [...this.conflicts],
      report: this.publisher.stats,
    };
  }

  /** The host's units as hearthd sees them; written to etcd when they changed, at most once per interval. */
  publishUnits(units: UnitSummary[]): void {
    this.publisher.setUnits(units);
  }

  /** Names of the units defined locally: a fleet unit of the same name is shadowed and reported. */
  setLocalUnits(names: Iterable<string>): void {
    this.localUnits = new Set(names);
    this.updateConflicts();
  }

  /** Fleet units hidden by a local unit of the same name. */
  shadowedUnits(): string[] {
    return this.conflicts.filter((c) => c.winner === 'local').map((c) => c.unit);
  }

  /** Resolves when every pending reconcile and report write is done (tests, benchmarks). */
  async settled(): Promise<void> {
    await this.reconcileChain;
    await this.publisher.flushed();
  }

  /** Reads the desired state again now (no backoff): etcd is known to answer. */
  private resync(why: string): void {
    this.sleeper.interrupt();
    this.wakeSync?.(`${RESYNC}${why}`);
  }

  private async runSync(): Promise<void> {
    while (!this.stopped) {
      try {
        this.setDesired('syncing');
        const snapshot = await this.client.txn([], [
          { range: { key: BUNDLES, prefix: true } },
          { range: { key: controlPrefix(this.host), prefix: true } },
          { range: { key: ackKey(this.host) } },
        ]);
        const [bundleKvs, requestKvs, ackKvs] = snapshot.ranges as [KeyValue[], KeyValue[], KeyValue[]];
        this.bundles.clear();
        for (const kv of bundleKvs) this.addBundle(kv);
        this.lastAckId = decodeAck(ackKvs[0]?.value)?.id ?? this.lastAckId;
        this.queueReconcile(snapshot.revision);
        const ended = new Promise<string>((resolve) => (this.wakeSync = resolve));
        const onClose = (e: EtcdError) => this.wakeSync?.(e.message);
        const start = snapshot.revision + 1;
        this.watches.push(await openWatch(this.client, { key: BUNDLES, prefix: true, startRevision: start, onEvents: (ev, rev) => this.onBundleEvents(ev, rev), onClose }));
        this.watches.push(await openWatch(this.client, { key: controlPrefix(this.host), prefix: true, startRevision: start, onEvents: (ev) => ev.forEach((e) => this.onRequest(e)), onClose }));
        if (this.stopped) break;
        for (const kv of requestKvs) this.onRequest({ type: 'put', kv });
        await this.reconcileChain;
        this.lastSyncError = undefined;
        this.backoff.reset();
        this.setDesired('in-sync');
        const why = await ended;
        this.closeWatches();
        if (this.stopped) break;
        if (!why.startsWith(RESYNC)) {
          // The watch broke (member gone, no leader): running the last set until a new read succeeds.
          this.lastSyncError = why;
          this.setDesired('stale');
          await this.sleeper.sleep(this.backoff.next());
        }
      } catch (e) {
        this.closeWatches();
        if (this.stopped) break;
        this.lastSyncError = e instanceof Error ? e.message : String(e);
        this.setDesired('stale');
        await this.sleeper.sleep(this.backoff.next());
      }
    }
    this.closeWatches();
  }

  private closeWatches(): void {
    for (const w of this.watches) w.close();
    this.watches = [];
    this.wakeSync = undefined;
  }

  private addBundle(kv: KeyValue): void {
    const doc = decodeBundle(kv);
    if (doc) this.bundles.set(doc.name, doc);
  }

  private onBundleEvents(events: WatchEvent[], revision: number): void {
    for (const e of events) {
      if (e.type === 'put') this.addBundle(e.kv);
      else this.bundles.delete(e.kv.key.slice(BUNDLES.length));
    }
    this.queueReconcile(revision);
  }

  private queueReconcile(revision: number): void {
    const bundles = [...this.bundles.values()];
    this.reconcileChain = this.reconcileChain
      .then(() => this.reconcile(bundles, revision))
      .catch((e: unknown) => {
        // A disk error keeps the old set; the next change or resync tries again.
        this.lastSyncError = `cannot write the fleet set: ${e instanceof Error ? e.message : String(e)}`;
        this.emitStatus();
      });
  }

  private async reconcile(bundles: BundleDoc[], revision: number): Promise<void> {
    const { labels } = this.options.settings;
    const assigned = assignBundles(bundles, this.host, labels);
    this.assigned = assigned;
    if (!this.current || this.current.hash !== assigned.hash) {
      this.current = await materialise(fleetRoot(this.options.stateDir), assigned, revision);
      try {
        await this.options.onChange?.(this.current);
      } catch (e) {
        this.lastSyncError = `the new fleet set was written but loading it failed: ${e instanceof Error ? e.message : String(e)}`;
      }
    } else {
      this.current = { ...this.current, bundles: assigned.bundles };
    }
    // The revision is the one the set was built from: changes to other hosts' bundles cause no write here.
    this.publisher.setApplied({ hash: assigned.hash, revision: this.current.revision, bundles: assigned.bundles });
    this.updateConflicts();
  }

  private updateConflicts(): void {
    const assigned = this.assigned;
    if (!assigned) return;
    const local = assigned.units.filter((u) => this.localUnits.has(u)).map((unit) => ({ unit, bundle: assigned.unitOwners[unit] ?? '', winner: 'local' }));
    this.conflicts = [...assigned.conflicts, ...local];
    this.publisher.setConflicts(this.conflicts);
    this.emitStatus();
  }

  private onRequest(e: WatchEvent): void {
    if (e.type !== 'put') return;
    const request = decodeRequest(e.kv.value);
    if (!request || request.id === this.lastAckId) return;
    // Remember it now so a resync that sees the same key does not queue it twice.
    this.lastAckId = request.id;
    this.controlChain = this.controlChain.then(() => this.runRequest(request));
  }

  private async runRequest(request: ControlRequest): Promise<void> {
    let ack: ControlAck;
    try {
      if (!this.options.onRestartRequest) throw new Error('this hearthd takes no restart requests');
      await this.options.onRestartRequest(request.unit);
      ack = { id: request.id, ok: true, at: Date.now() };
    } catch (e) {
      ack = { id: request.id, ok: false, error: e instanceof Error ? e.message : String(e), at: Date.now() };
    }
    for (let attempt = 0; !this.stopped || attempt === 0; attempt++) {
      try {
        await this.client.put(ackKey(this.host), JSON.stringify(ack));
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private setDesired(state: FleetAgentStatus['desired']): void {
    if (this.desired === state) return;
    this.desired = state;
    this.emitStatus();
  }

  private emitStatus(): void {
    this.options.onStatus?.(this.status());
  }
}

