import { HearthError } from '../errors/index.js';
import type { HearthEvent, ServiceDefinition, ServiceStatus } from '../model/index.js';
import { didYouMean } from '../model/index.js';
import { readProcStat } from '../process/index.js';
import { DgramReceiver } from '../native/index.js';
import { ServiceRunner, type LogSink } from './service-runner.js';
import { resourceUsage } from './resource-usage.js';
import { definitionsEqual } from './definitions-equal.js';

export interface SupervisorOptions {
  emit(event: HearthEvent): void;
  logSink(def: ServiceDefinition): LogSink;
  configDir: string;
  /** Where the sd_notify socket goes; undefined disables ready = "notify". */
  notifySocketPath?: string;
}

export type DefineOutcome = 'added' | 'changed' | 'unchanged';

/**
 * All stand-alone services. Holds one ServiceRunner per definition, answers
 * "which service is this pid", and serves the sd_notify socket.
 */
export class Supervisor {
  private readonly runners = new Map<string, ServiceRunner>();
  private notify: DgramReceiver | undefined;
  private notifyPath: string | undefined;

  constructor(private readonly options: SupervisorOptions) {}

  /** Starts the notify socket. Failing that, only ready = "notify" services are affected. */
  async open(): Promise<void> {
    if (!this.options.notifySocketPath) return;
    const receiver = new DgramReceiver(this.options.notifySocketPath, (d) => this.onNotify(d.pid, d.payload), 0o666);
    try {
      await receiver.start();
      this.notify = receiver;
      this.notifyPath = this.options.notifySocketPath;
    } catch (e) {
      this.options.emit({ type: 'daemon.log', at: Date.now(), level: 'warn', message: `sd_notify unavailable: ${(e as Error).message}` });
    }
  }

  close(): void {
    this.notify?.stop();
    for (const r of this.runners.values()) r.dispose();
  }

  has(name: string): boolean {
    return this.runners.has(name);
  }

  names(): string[] {
    return [...this.runners.keys()];
  }

  get(name: string): ServiceRunner {
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
    const wasWanted = existing.wantedRunning;
    await existing.stop();
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
  }

  list(): ServiceStatus[] {
    return [...this.runners.values()].map((r) => r.snapshot());
  }

  status(name: string): ServiceStatus {
    const runner = this.get(name);
    const usage = resourceUsage(runner.pid, runner.processGroup);
    return { ...runner.snapshot(), ...(usage ?? {}) };
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

  reload(name: string): void {
    this.get(name).reload();
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
  }

  /** The service a pid belongs to: its main pid, or any process in its group. */
  ownerOf(pid: number): ServiceRunner | undefined {
    for (const r of this.runners.values()) if (r.pid === pid) return r;
    const pgrp = readProcStat(pid)?.pgrp;
    if (pgrp === undefined) return undefined;
    for (const r of this.runners.values()) if (r.processGroup === pgrp || r.pid === pgrp) return r;
    return undefined;
  }

  private onNotify(pid: number, payload: Buffer): void {
    this.ownerOf(pid)?.handleNotify(payload);
  }

  private createRunner(def: ServiceDefinition): ServiceRunner {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getter below must read the live value
    const supervisor = this;
    return new ServiceRunner(def, {
      emit: this.options.emit,
      logSink: this.options.logSink,
      configDir: this.options.configDir,
      get notifySocket() {
        return supervisor.notifyPath;
      },
    });
  }
}
