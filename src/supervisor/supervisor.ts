import { chmod, chown, mkdir } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { HearthError } from '../errors/index.js';
import type { HearthEvent, ServiceDefinition, ServiceStatus } from '../model/index.js';
import { didYouMean } from '../model/index.js';
import { lookupGroup, lookupUser, readProcStat } from '../process/index.js';
import { DgramReceiver, type ServerSpawner } from '../native/index.js';
import type { ProcessTracking } from '../boundary/index.js';
import { ServiceRunner, type LogSink, type RunnerContext } from './service-runner.js';
import { PoolRunner } from './pool-runner.js';
import type { HeldSockets, Runner } from './runner.js';
import type { RecoveryReport } from '../units/index.js';

export type { RecoveryReport };
import { OutputFifos } from './output-fifo.js';
import type { OutputSpool } from '../spool/index.js';
import { RuntimeStateStore, recordNames } from './runtime-state.js';
import { definitionChange, definitionHash } from './definitions-equal.js';
import { Orphan } from './orphan.js';
import type { RuntimeRecord } from './runtime-state.js';
import { markedPids, stopProcesses } from '../boundary/index.js';
import { stateEvent } from '../model/index.js';

export interface SupervisorOptions {
  emit(event: HearthEvent): void;
  logSink(def: ServiceDefinition): LogSink;
  configDir: string;
  /**
   * Where sd_notify sockets go: a directory every local user can traverse
   * (never hearthd's 0700 runtime dir, which the services of other users could
   * not reach), with one subdirectory per service owned by that service's user.
   * undefined disables ready = "notify".
   */
  notifyDir?: string;
  /** Named pipes for service output that survive hearthd; plain pipes when absent. */
  fifoDir?: string;
  /** Drains those pipes into spool files journaled exactly once (absent: hearthd reads the pipes). */
  spool?: OutputSpool;
  /** Pids and counters for crash recovery; no recovery when absent. */
  runtimeStateDir?: string;
  /** Which processes belong to which service: cgroups, or process groups. */
  tracking: ProcessTracking;
  /**
   * The kind its services are tracked as (cgroup NAME.KIND): "service" for hearth's own,
   * another for a second supervisor (systemd's units), so neither takes the other's cgroups
   * for orphans after a crash.
   */
  trackingKind?: string;
  /** Sockets held for a service by a systemd socket unit, passed on at every start. */
  heldSockets?(name: string): HeldSockets[];
  /** The connection a per-connection service serves (a systemd socket unit with Accept=yes). */
  connection?(name: string): Socket | undefined;
  /** A reload changed a service's settings in place: its log rotation may be new. */
  logSettingsChanged?(def: ServiceDefinition): void;
  /** Starts main processes inside their cgroup without forking hearthd (hearthd's one hearth-spawner). */
  spawner?: ServerSpawner;
}


export type DefineOutcome = 'added' | 'changed' | 'unchanged';

/**
 * All stand-alone services. Holds one ServiceRunner per definition, answers
 * "which service is this pid", and serves the sd_notify socket.
 */
export class Supervisor {
  private readonly runners = new Map<string, Runner>();
  /** Processes of services whose definition is gone, kept from a previous hearthd. */
  private readonly orphans = new Map<string, Orphan>();
  /**
   * One notify socket per service that asks for one: whatever reaches it
   * speaks for that service alone, so no message has to be traced back to
   * a service. Within a pool, which worker a message is from is read by the
   * helper as it arrives (`attributed`), before a short-lived sender
   * (hearth-notify, systemd-notify) is gone.
   */
  private readonly notifySockets = new Map<string, { receiver: Promise<DgramReceiver>; attributed: boolean }>();
  private notifyCounter = 0;
  /** What every runner gets: one object for them all. */
  private readonly runnerContext: RunnerContext;

  private readonly fifos: OutputFifos | undefined;
  private readonly runtimeState: RuntimeStateStore | undefined;

  private readonly kind: string;

  constructor(private readonly options: SupervisorOptions) {
    this.kind = options.trackingKind ?? 'service';
    this.fifos = options.fifoDir
      ? new OutputFifos(options.fifoDir, options.spool, (message) => options.emit({ type: 'daemon.log', at: Date.now(), level: 'warn', message }))
      : undefined;
    this.runtimeState = options.runtimeStateDir
      ? new RuntimeStateStore(options.runtimeStateDir, (c) =>
          options.emit({ type: 'state.corrupt', at: c.at, file: c.file, keptAs: c.keptAs, reason: c.reason, recovered: 'the service is found again by its cgroup, or started afresh' }),
        )
      : undefined;
    this.runnerContext = this.makeRunnerContext();
  }

  /**
   * After an unclean end of the previous hearthd: adopt every service whose
   * recorded process is still alive (pid and start time match), remember which
   * ones the operator had stopped, and report the ones that died meanwhile so
   * their restart policy can be applied.
   */
  recover(): RecoveryReport {
    const report: RecoveryReport & { orphaned: string[] } = { adopted: [], leftStopped: [], died: [], changed: [], orphaned: [] };
    // Runs once the definitions are loaded, so output taken up at start is rotated by its own service's settings.
    this.fifos?.spool?.definitionsLoaded();
    if (!this.runtimeState) return report;
    const recorded = new Set<string>();
    for (const name of this.runtimeState.names()) {
      const runner = this.runners.get(name);
      let record = this.runtimeState.load(name);
      if (record) recorded.add(name);
      if (runner instanceof PoolRunner && record) {
        runner.reclaim(record);
        (record.wanted ? report.died : report.leftStopped).push(name);
        continue;
      }
      if (!runner) {
        // No definition now (file missing or broken): never forget what it left running.
        if (this.adoptOrphan(name, record)) report.orphaned.push(name);
        else this.runtimeState.remove(name);
        continue;
      }
      if (!(runner instanceof ServiceRunner) || !record) continue;
      if (record.spawning && record.pid === null) {
        // hearthd died between writing its intent and the pid: find the process by its marker.
        const found = recordFromProcesses(markedPids(this.options.tracking.unit(this.kind, name).marker));
        if (found?.pid) record = { ...record, pid: found.pid, pgid: found.pgid, startTime: found.startTime };
      }
      if (runner.adopt(record)) {
        report.adopted.push(name);
        if (!record.wanted) {
          // hearthd died in the middle of a stop: finish it.
          report.leftStopped.push(name);
          void runner.stop();
        } else if (record.defHash !== undefined && record.defHash !== definitionHash(runner.def)) {
          // hearthd died during a reload, before the changed service was restarted.
          report.changed.push(name);
          void runner.restart().catch(() => undefined);
        }
      } else {
        // The main process is gone; whatever it left in the unit goes before anything starts again.
        this.reapLeftovers(name, record);
        (record.wanted ? report.died : report.leftStopped).push(name);
      }
    }
    // A cgroup with processes but no usable record (the state file was lost or damaged):
    // adopted by what the cgroup shows, or kept as an orphan; never started a second time.
    for (const [unit, pids] of this.options.tracking.populatedUnits(this.kind)) {
      const name = unit.slice(0, -`.${this.kind}`.length);
      if (recorded.has(name) || this.orphans.has(name)) continue;
      const runner = this.runners.get(name);
      const record = recordFromProcesses(pids);
      if (!runner) {
        if (this.adoptOrphan(name, record)) report.orphaned.push(name);
      } else if (runner instanceof ServiceRunner && record && runner.state === 'stopped' && runner.adopt(record)) {
        report.adopted.push(name);
      }
    }
    return report;
  }

  /** Keeps a previous hearthd's process of a service without a definition, if it still runs. */
  private adoptOrphan(name: string, record: RuntimeRecord | undefined): boolean {
    const unit = this.options.tracking.unit(this.kind, name);
    const stat = record?.pid != null ? readProcStat(record.pid) : undefined;
    const mainAlive = stat !== undefined && stat.state !== 'Z' && stat.startTime === record?.startTime;
    if (!Orphan.alive(record, unit, mainAlive)) return false;
    const kept: RuntimeRecord = record && mainAlive ? record : { pid: null, pgid: null, startTime: null, startedAt: null, readyAt: null, restarts: record?.restarts ?? 0, wanted: true };
    this.orphans.set(name, new Orphan(name, kept, unit, this.options.emit, () => this.forgetOrphan(name)));
    this.options.emit(stateEvent(name, 'stopped', 'orphaned', kept.pid));
    return true;
  }

  private forgetOrphan(name: string): void {
    this.orphans.delete(name);
    this.runtimeState?.remove(name);
  }

  private reapLeftovers(name: string, record: RuntimeRecord): void {
    const unit = this.options.tracking.unit(this.kind, name);
    if (unit.populated() === true) void stopProcesses(unit.boundary([record.pgid]), { signal: 'SIGTERM', timeoutMs: 10_000 }).done;
  }

  /** Creates the output pipes of these services (of every one by default) in one go: one mkfifo run instead of one per service. */
  prepareOutputs(names: readonly string[] = [...this.runners.keys()]): void {
    try {
      this.fifos?.ensure(names.filter((n) => this.runners.has(n)));
    } catch (e) {
      this.options.emit({ type: 'daemon.log', at: Date.now(), level: 'error', message: (e as Error).message });
    }
  }

  /**
   * Whether recover() of a supervisor with these options would find anything
   * of a previous hearthd: its records, or processes in its units' cgroups.
   * Asked before such a supervisor exists (its backend is loaded only if so).
   */
  static leftBehind(o: { tracking: ProcessTracking; trackingKind: string; runtimeStateDir: string }): boolean {
    if (recordNames(o.runtimeStateDir).length > 0) return true;
    return o.tracking.populatedUnits(o.trackingKind).size > 0;
  }

  /** Whether the previous hearthd left records behind (it did not stop cleanly). */
  hasRuntimeState(): boolean {
    return (this.runtimeState?.names().length ?? 0) > 0;
  }

  /** A clean shutdown leaves nothing to recover. */
  forgetRuntimeState(): void {
    this.runtimeState?.clear();
  }


  async open(): Promise<void> {
    const dir = this.options.notifyDir;
    if (dir) {
      await mkdir(dir, { recursive: true, mode: 0o755 });
      // mkdir's mode is masked by the umask: the traversal bit for others must really be there.
      await chmod(dir, 0o755);
    }
    const spool = this.fifos?.spool;
    // A spool helper that cannot start at all (it says why): hearthd reads the pipes itself.
    if (spool) await spool.open().catch(() => spool.close().then(() => (this.fifos!.spool = undefined)));
  }

  /** Shutdown, once every service stopped: their last output is journaled and the spool helper exits. */
  async closeOutput(): Promise<void> {
    const spool = this.fifos?.spool;
    if (!spool) return;
    await spool.drainAll();
    await spool.close();
  }

  close(): void {
    for (const r of this.runners.values()) r.dispose();
    for (const name of [...this.notifySockets.keys()]) this.closeNotify(name);
  }

  private notifySocketFor(name: string, attributed = false): Promise<string> {
    const dir = this.options.notifyDir;
    if (!dir) {
      return Promise.reject(new HearthError('ERR_SPAWN', `cannot start "${name}" with ready = "notify": no notify directory`));
    }
    let entry = this.notifySockets.get(name);
    // A service that became a pool or stopped being one (its old runner is gone by now): its
    // socket is made again, so a pool gets its senders' ancestry and a plain service pays nothing.
    if (entry && entry.attributed !== attributed) {
      this.closeNotify(name);
      entry = undefined;
    }
    if (!entry) {
      const def = this.runners.get(name)?.def;
      const own = join(dir, name);
      const r = new DgramReceiver(join(own, `n${++this.notifyCounter}.sock`), (d) => this.runners.get(name)?.handleNotify(d.payload, d), 0o666, attributed);
      const receiver = notifyDirFor(own, def).then(() => r.start()).then(() => r);
      const mine = { receiver, attributed };
      receiver.catch(() => {
        if (this.notifySockets.get(name) === mine) this.notifySockets.delete(name);
      });
      this.notifySockets.set(name, (entry = mine));
    }
    return entry.receiver.then((r) => r.socketPath);
  }

  private closeNotify(name: string): void {
    const entry = this.notifySockets.get(name);
    this.notifySockets.delete(name);
    entry?.receiver.then((r) => r.stop()).catch(() => undefined);
  }

  /** Whether this very definition is the one a service runs by (a reload of an unchanged file hands it back). */
  holds(def: ServiceDefinition): boolean {
    return this.runners.get(def.name)?.def === def;
  }

  has(name: string): boolean {
    return this.runners.has(name);
  }

  names(): string[] {
    return [...this.runners.keys()];
  }

  get(name: string): Runner {
    const runner = this.runners.get(name);
    if (!runner) {
      throw new HearthError('ERR_UNKNOWN_SERVICE', `unknown service "${name}"`, { hint: didYouMean(name, this.runners.keys()) });
    }
    return runner;
  }

  definition(name: string): ServiceDefinition | undefined {
    return this.runners.get(name)?.def;
  }

  /**
   * Adds or replaces a definition. Settings the process never sees (its
   * description, order, restart and stop policy, logs) apply in place; any
   * other change to a running service is applied by restarting it; one that
   * is not running just takes the new form.
   */
  async define(def: ServiceDefinition): Promise<DefineOutcome> {
    const existing = this.runners.get(def.name);
    if (!existing) {
      const runner = this.createRunner(def);
      this.runners.set(def.name, runner);
      this.takeOverOrphan(def.name, runner);
      return 'added';
    }
    const change = definitionChange(existing.def, def);
    if (change.kind === 'none') return 'unchanged';
    if (change.kind === 'live') {
      existing.redefine(def);
      this.options.logSettingsChanged?.(def);
      this.options.emit({ type: 'daemon.log', at: Date.now(), level: 'info', message: `"${def.name}": ${change.settings.join(', ')} changed; applied without a restart` });
      return 'changed';
    }
    if (existing instanceof PoolRunner && existing.canReplaceInPlace(def)) {
      // Same sockets: roll the workers over without a moment of downtime. A
      // failed rollover leaves the old workers (and the old definition) serving.
      await existing.replaceDefinition(def).catch(() => undefined);
      return 'changed';
    }
    const wasWanted = existing.wantedRunning;
    await (existing instanceof ServiceRunner ? existing.stop({ replacing: wasWanted }) : existing.stop());
    existing.dispose();
    const replacement = this.createRunner(def);
    this.runners.set(def.name, replacement);
    if (wasWanted) await replacement.start().catch(() => undefined);
    return 'changed';
  }

  /** Its definition came back: the runner adopts what the orphan kept running, so it never runs twice. */
  private takeOverOrphan(name: string, runner: Runner): void {
    const orphan = this.orphans.get(name);
    if (!orphan) return;
    this.orphans.delete(name);
    orphan.release();
    if (runner instanceof ServiceRunner && orphan.record.pid !== null && runner.adopt(orphan.record)) return;
    // No main pid to adopt (or a pool): what is left of the old unit goes, and the service starts afresh.
    this.reapLeftovers(name, orphan.record);
  }

  orphanNames(): string[] {
    return [...this.orphans.keys()];
  }

  isOrphan(name: string): boolean {
    return this.orphans.has(name);
  }

  orphanStatus(name: string, brokenFile?: string): ServiceStatus | undefined {
    return this.orphans.get(name)?.snapshot(brokenFile);
  }

  stopOrphan(name: string): Promise<void> {
    return this.orphans.get(name)?.stop() ?? Promise.resolve();
  }

  async remove(name: string): Promise<void> {
    const runner = this.runners.get(name);
    if (!runner) return;
    await runner.stop();
    runner.dispose();
    this.runners.delete(name);
    this.closeNotify(name);
  }

  /**
   * Every service; with cgroups also the whole unit's tasks and memory, which
   * cost two small reads per running service (without cgroups they would cost
   * a scan of /proc each, so list leaves them to status).
   */
  list(): ServiceStatus[] {
    const cheap = this.options.tracking.mode === 'cgroup';
    return [...this.runners.values()].map((r) => {
      const s = r.snapshot();
      if (!cheap || r.pid === null) return s;
      const u = r.usage();
      return u ? { ...s, memoryBytes: u.memoryBytes, cpuSeconds: u.cpuSeconds, tasks: u.tasks } : s;
    });
  }

  status(name: string): ServiceStatus {
    const runner = this.get(name);
    return { ...runner.snapshot(), ...(runner.usage() ?? {}), cgroup: runner.cgroup };
  }

  /** Extra sections a runner offers for `hearth status` (a pool's workers). */
  details(name: string): Record<string, unknown> | undefined {
    return this.get(name).details?.();
  }

  start(name: string): Promise<void> {
    return this.get(name).start();
  }

  stop(name: string): Promise<void> {
    return this.get(name).stop();
  }

  restart(name: string): Promise<void> {
    return this.get(name).restart();
  }

  async reload(name: string): Promise<void> {
    await this.get(name).reload();
  }

  async stopAll(): Promise<void> {
    await Promise.all([...[...this.runners.values()].map((r) => r.stop()), ...[...this.orphans.values()].map((o) => o.stop())]);
  }

  /** The service a pid belongs to: by its cgroup, else its main pid or any process in its group. */
  ownerOf(pid: number): Runner | undefined {
    const unit = this.options.tracking.ownerOf(pid);
    if (unit !== undefined) return unit.kind === this.kind ? this.runners.get(unit.name) : undefined;
    for (const r of this.runners.values()) if (r.pid === pid || r.pids?.().includes(pid)) return r;
    const pgrp = readProcStat(pid)?.pgrp;
    if (pgrp === undefined) return undefined;
    for (const r of this.runners.values()) if (r.processGroup === pgrp || r.pid === pgrp || r.pids?.().includes(pgrp)) return r;
    return undefined;
  }

  private createRunner(def: ServiceDefinition): Runner {
    return def.pool ? new PoolRunner(def, this.runnerContext) : new ServiceRunner(def, this.runnerContext);
  }

  private makeRunnerContext(): RunnerContext {
    return {
      emit: this.options.emit,
      logSink: this.options.logSink,
      configDir: this.options.configDir,
      notifySocketFor: (name, attributed) => this.notifySocketFor(name, attributed),
      ...(this.fifos ? { fifos: this.fifos } : {}),
      ...(this.runtimeState ? { runtimeState: this.runtimeState } : {}),
      tracking: this.options.tracking,
      trackingKind: this.kind,
      ...(this.options.heldSockets ? { heldSockets: this.options.heldSockets } : {}),
      ...(this.options.connection ? { connection: this.options.connection } : {}),
      ...(this.options.spawner ? { spawner: this.options.spawner } : {}),
    };
  }
}

/**
 * A service's own notify directory: 0700 and owned by the account the service
 * runs as, so that service (and root) can reach its socket and no other local
 * user can send it a READY=1 it did not mean.
 */
async function notifyDirFor(dir: string, def: ServiceDefinition | undefined): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  if (process.getuid?.() !== 0 || !def || (def.user === undefined && def.group === undefined)) return;
  const user = def.user !== undefined ? lookupUser(def.user) : undefined;
  const gid = def.group !== undefined ? lookupGroup(def.group).gid : (user?.gid ?? 0);
  await chown(dir, user?.uid ?? 0, gid);
}

/**
 * What a lost record said, rebuilt from a unit's processes: the main process
 * is the oldest one (the one hearthd started; everything else descends from it).
 */
function recordFromProcesses(pids: number[]): RuntimeRecord | undefined {
  const oldest = pids
    .map((pid) => readProcStat(pid))
    .filter((st): st is NonNullable<typeof st> => st !== undefined && st.state !== 'Z')
    .sort((a, b) => a.startTime - b.startTime)[0];
  if (!oldest) return undefined;
  return { pid: oldest.pid, pgid: oldest.pgrp, startTime: oldest.startTime, startedAt: null, readyAt: null, restarts: 0, wanted: true };
}
