import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HearthError } from '../errors/index.js';
import type { HearthEvent, ServiceDefinition, ServiceStatus } from '../model/index.js';
import { didYouMean } from '../model/index.js';
import { readProcStat } from '../process/index.js';
import { DgramReceiver } from '../native/index.js';
import type { ProcessTracking } from '../boundary/index.js';
import { ServiceRunner, type LogSink, type RunnerContext } from './service-runner.js';
import { PoolRunner } from './pool-runner.js';
import type { Runner } from './runner.js';
import type { RecoveryReport } from '../units/index.js';

export type { RecoveryReport };
import { OutputFifos } from './output-fifo.js';
import type { OutputSpool } from '../spool/index.js';
import { RuntimeStateStore } from './runtime-state.js';
import { findServiceProcess } from './find-service-process.js';
import { definitionHash, definitionsEqual } from './definitions-equal.js';

export interface SupervisorOptions {
  emit(event: HearthEvent): void;
  logSink(def: ServiceDefinition): LogSink;
  configDir: string;
  /** Where sd_notify sockets go (one per service that uses them); undefined disables ready = "notify". */
  notifyDir?: string;
  /** Named pipes for service output that survive hearthd; plain pipes when absent. */
  fifoDir?: string;
  /** Drains those pipes into spool files journaled exactly once (absent: hearthd reads the pipes). */
  spool?: OutputSpool;
  /** Pids and counters for crash recovery; no recovery when absent. */
  runtimeStateDir?: string;
  /** Which processes belong to which service: cgroups, or process groups. */
  tracking: ProcessTracking;
}


export type DefineOutcome = 'added' | 'changed' | 'unchanged';

/**
 * All stand-alone services. Holds one ServiceRunner per definition, answers
 * "which service is this pid", and serves the sd_notify socket.
 */
export class Supervisor {
  private readonly runners = new Map<string, Runner>();
  /**
   * One notify socket per service that asks for one. A shared socket would
   * have to attribute datagrams by sender pid, and the sender (often a short
   * hearth-notify or systemd-notify process) may be gone before we look.
   */
  private readonly notifySockets = new Map<string, Promise<DgramReceiver>>();
  private notifyCounter = 0;

  private readonly fifos: OutputFifos | undefined;
  private readonly runtimeState: RuntimeStateStore | undefined;

  constructor(private readonly options: SupervisorOptions) {
    this.fifos = options.fifoDir ? new OutputFifos(options.fifoDir, options.spool) : undefined;
    this.runtimeState = options.runtimeStateDir ? new RuntimeStateStore(options.runtimeStateDir) : undefined;
  }

  /**
   * After an unclean end of the previous hearthd: adopt every service whose
   * recorded process is still alive (pid and start time match), remember which
   * ones the operator had stopped, and report the ones that died meanwhile so
   * their restart policy can be applied.
   */
  recover(): RecoveryReport {
    const report: RecoveryReport = { adopted: [], leftStopped: [], died: [], changed: [] };
    if (!this.runtimeState) return report;
    for (const name of this.runtimeState.names()) {
      const runner = this.runners.get(name);
      let record = this.runtimeState.load(name);
      if (runner instanceof PoolRunner && record) {
        runner.reclaim(record);
        (record.wanted ? report.died : report.leftStopped).push(name);
        continue;
      }
      if (!runner || !(runner instanceof ServiceRunner) || !record) {
        if (!runner) this.runtimeState.remove(name);
        continue;
      }
      if (record.spawning && record.pid === null) {
        // hearthd died between writing its intent and the pid: find the process by its marker.
        const found = findServiceProcess(name);
        if (found) record = { ...record, pid: found.pid, pgid: found.pid, startTime: found.startTime };
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
      } else if (!record.wanted) report.leftStopped.push(name);
      else report.died.push(name);
    }
    return report;
  }

  /** Creates every service's output pipes in one go (one mkfifo run instead of one per service). */
  prepareOutputs(): void {
    try {
      this.fifos?.ensure([...this.runners.keys()]);
    } catch (e) {
      this.options.emit({ type: 'daemon.log', at: Date.now(), level: 'error', message: (e as Error).message });
    }
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
    if (this.options.notifyDir) await mkdir(this.options.notifyDir, { recursive: true, mode: 0o755 });
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

  private notifySocketFor(name: string): Promise<string> {
    const dir = this.options.notifyDir;
    if (!dir) {
      return Promise.reject(new HearthError('ERR_SPAWN', `cannot start "${name}" with ready = "notify": no notify directory`));
    }
    let receiver = this.notifySockets.get(name);
    if (!receiver) {
      const r = new DgramReceiver(join(dir, `n${++this.notifyCounter}.sock`), (d) => this.runners.get(name)?.handleNotify(d.payload, d.pid), 0o666);
      receiver = r.start().then(() => r);
      receiver.catch(() => this.notifySockets.delete(name));
      this.notifySockets.set(name, receiver);
    }
    return receiver.then((r) => r.socketPath);
  }

  private closeNotify(name: string): void {
    const receiver = this.notifySockets.get(name);
    this.notifySockets.delete(name);
    receiver?.then((r) => r.stop()).catch(() => undefined);
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
   * Adds or replaces a definition. A changed definition of a running service is
   * applied by restarting it; one that is not running just takes the new form.
   */
  async define(def: ServiceDefinition): Promise<DefineOutcome> {
    const existing = this.runners.get(def.name);
    if (!existing) {
      this.runners.set(def.name, this.createRunner(def));
      return 'added';
    }
    if (definitionsEqual(existing.def, def)) return 'unchanged';
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

  async remove(name: string): Promise<void> {
    const runner = this.runners.get(name);
    if (!runner) return;
    await runner.stop();
    runner.dispose();
    this.runners.delete(name);
    this.closeNotify(name);
  }

  list(): ServiceStatus[] {
    return [...this.runners.values()].map((r) => r.snapshot());
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
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
  }

  /** The service a pid belongs to: by its cgroup, else its main pid or any process in its group. */
  ownerOf(pid: number): Runner | undefined {
    const unit = this.options.tracking.ownerOf(pid);
    if (unit !== undefined) return unit.kind === 'service' ? this.runners.get(unit.name) : undefined;
    for (const r of this.runners.values()) if (r.pid === pid || r.pids?.().includes(pid)) return r;
    const pgrp = readProcStat(pid)?.pgrp;
    if (pgrp === undefined) return undefined;
    for (const r of this.runners.values()) if (r.processGroup === pgrp || r.pid === pgrp || r.pids?.().includes(pgrp)) return r;
    return undefined;
  }

  private createRunner(def: ServiceDefinition): Runner {
    const ctx: RunnerContext = {
      emit: this.options.emit,
      logSink: this.options.logSink,
      configDir: this.options.configDir,
      notifySocketFor: (name) => this.notifySocketFor(name),
      ...(this.fifos ? { fifos: this.fifos } : {}),
      ...(this.runtimeState ? { runtimeState: this.runtimeState } : {}),
      tracking: this.options.tracking,
    };
    return def.pool ? new PoolRunner(def, ctx) : new ServiceRunner(def, ctx);
  }
}
