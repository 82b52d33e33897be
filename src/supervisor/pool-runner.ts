import { HearthError, describeError } from '../errors/index.js';
import { formatDuration, type ExitInfo, type PoolSettings, type ServiceDefinition, type ServiceState, type ServiceStatus, stateEvent } from '../model/index.js';
import { readProcStat, usageOfProcesses } from '../process/index.js';
import { bindListeners, type BoundSocket } from '../superserver/index.js';
import { acceptQueueLength, socketInode } from './accept-queue.js';
import { PoolScaler } from './pool-scaler.js';
import { PoolWorker, type WorkerLaunch } from './pool-worker.js';
import { parseNotify } from './readiness.js';
import { RestartTracker } from './restart-policy.js';
import type { NotifySender, Runner, RunnerContext } from './runner.js';
import type { LogSink } from './service-output.js';
import { describeExit } from '../events/index.js';
import { workerLaunch } from './pool-launch.js';
import { TimerSet } from '../util/timer-set.js';
import { ProcessGroupBoundary, stopProcesses, type UnitTracking } from '../boundary/index.js';
import { definitionHash } from './definitions-equal.js';
import type { RuntimeRecord } from './runtime-state.js';

/** How often the pool looks at its accept queue, worker CPU and worker ages. */
const SAMPLE_MS = 250;

/**
 * A pre-forked pool: hearthd binds the listen sockets once and keeps a set of
 * workers accepting on them. Because hearthd holds the sockets for the pool's
 * whole life, connections are never refused: while workers come and go they
 * wait in the kernel's accept queue. That is what makes a reload free of
 * downtime: the new generation is started and ready before the old one is
 * asked to stop.
 */
export class PoolRunner implements Runner {
  private stateValue: ServiceState = 'stopped';
  private detailText: string | undefined;
  private wanted = false;
  private restarts = 0;
  private lastExit: ExitInfo | null = null;
  private startedAt: number | null = null;
  private readyAt: number | null = null;
  private readonly workers = new Set<PoolWorker>();
  /** The generation that serves; a reload's new workers are a candidate generation until all are ready. */
  private generation = 0;
  private sockets: BoundSocket[] | undefined;
  private inodes: number[] = [];
  private notifySocket: string | undefined;
  /** sd_notify messages since the start from processes under no worker, which count for none. */
  private ignoredSenders = { count: 0, lastPid: 0 };
  private readonly sink: LogSink;
  private readonly tracker: RestartTracker;
  private scaler: PoolScaler;
  private sampler: NodeJS.Timeout | undefined;
  /** Replacements paused after too many crashes, until this time. */
  private pausedUntil = 0;
  private readonly timers = new TimerSet();
  private rolling: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private readonly recycling = new Set<PoolWorker>();
  /** Workers a previous hearthd left behind, killed before the sockets are bound again. */
  private leftovers: Promise<void> | undefined;
  /** The pool's processes as the host tracks them: one cgroup, a leaf per worker generation. */
  private readonly unit: UnitTracking;
  private limitsApplied = false;

  constructor(
    public def: ServiceDefinition,
    private readonly ctx: RunnerContext,
  ) {
    this.unit = ctx.tracking.unit(ctx.trackingKind, def.name);
    this.sink = ctx.logSink(def);
    this.tracker = new RestartTracker(def.backoff);
    this.scaler = new PoolScaler(this.settings);
  }

  get name(): string {
    return this.def.name;
  }

  get state(): ServiceState {
    return this.stateValue;
  }

  /** A pool has no main process; `details()` lists the workers. */
  get pid(): null {
    return null;
  }

  get processGroup(): null {
    return null;
  }

  get wantedRunning(): boolean {
    return this.wanted;
  }

  private get settings(): PoolSettings {
    return this.def.pool!;
  }

  private serving(): PoolWorker[] {
    return [...this.workers].filter((w) => w.state !== 'stopping' && w.generation === this.generation);
  }

  snapshot(): ServiceStatus {
    const serving = this.serving();
    const ready = serving.filter((w) => w.state === 'ready').length;
    const poolDetail = this.stateValue === 'running' || this.stateValue === 'starting' ? `${ready} of ${serving.length} workers ready` : undefined;
    const detail = [poolDetail, this.detailText].filter(Boolean).join('; ');
    return {
      name: this.def.name,
      description: this.def.description,
      kind: 'service',
      state: this.stateValue,
      ...(detail ? { detail } : {}),
      pid: null,
      startedAt: this.startedAt,
      readyAt: this.readyAt,
      restarts: this.restarts,
      lastExit: this.lastExit,
      source: this.def.origin.file,
    };
  }

  details(): Record<string, unknown> {
    const now = Date.now();
    const workers = [...this.workers].map((w) => w.view(now));
    const p = this.settings;
    return {
      pool: {
        minWorkers: p.minWorkers,
        maxWorkers: p.maxWorkers,
        minSpare: p.minSpare,
        maxSpare: p.maxSpare,
        generation: this.generation,
        listen: this.sockets?.map((s) => (s.port ? s.spec.text.replace(/:0$/, `:${s.port}`) : s.spec.text)) ?? this.def.listen,
      },
      workers,
    };
  }

  pids(): number[] {
    return [...this.workers].map((w) => w.pid).filter((pid) => pid > 0);
  }

  get cgroup(): string {
    return this.unit.where;
  }

  /** Memory, CPU and tasks of the whole pool: every worker and what it forked. */
  usage(): { memoryBytes: number; cpuSeconds: number; tasks: number } | undefined {
    return this.workers.size === 0 ? undefined : (this.unit.usage(this.pids()) ?? { ...usageOfProcesses(this.pids()), tasks: this.workers.size });
  }

  start(): Promise<void> {
    if (this.stateValue === 'running') return Promise.resolve();
    this.starting ??= this.startPool().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async startPool(): Promise<void> {
    this.wanted = true;
    this.tracker.reset();
    this.pausedUntil = 0;
    this.startedAt = Date.now();
    this.readyAt = null;
    this.ignoredSenders = { count: 0, lastPid: 0 };
    this.setState('starting');
    try {
      await this.prepare();
      const first = this.spawnWorkers(this.settings.startWorkers, this.generation);
      await Promise.all(first.map((w) => w.whenReady()));
    } catch (e) {
      const err = new HearthError('ERR_SPAWN', `cannot start "${this.name}": ${describeError(e)}`, { cause: e });
      this.ctx.emit({ type: 'service.error', at: Date.now(), name: this.name, message: err.message });
      await this.stopWorkers([...this.workers]);
      if (this.wanted) {
        this.setState('failed', err.message);
        this.timers.after(this.def.backoff.coolDownMs, () => this.wanted && this.stateValue === 'failed' && void this.start().catch(() => undefined));
      }
      throw err;
    }
    if (!this.wanted) return;
    this.readyAt = Date.now();
    this.setState('running');
    this.startSampling();
  }

  async stop(): Promise<void> {
    this.wanted = false;
    this.stopSampling();
    this.timers.cancelAll();
    if (this.workers.size === 0) {
      if (this.stateValue !== 'stopped') this.setState('stopped');
      this.persist();
      return;
    }
    this.setState('stopping');
    await this.stopWorkers([...this.workers]);
    this.setState('stopped');
    this.persist();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  redefine(def: ServiceDefinition): void {
    this.def = def;
    this.tracker.setBackoff(def.backoff);
  }

  /** Zero-downtime reload: a new generation of workers, ready before the old one stops. */
  reload(): Promise<void> {
    if (this.stateValue !== 'running') {
      return Promise.reject(new HearthError('ERR_SPAWN', `cannot reload "${this.name}": it is ${this.stateValue}, not running`));
    }
    return this.rollOver(this.def);
  }

  /** A changed definition with the same sockets is rolled over like a reload. */
  canReplaceInPlace(next: ServiceDefinition): boolean {
    return next.pool !== undefined && this.stateValue === 'running' && next.listen.join('\n') === this.def.listen.join('\n') && next.pool.socketFd === this.settings.socketFd;
  }

  replaceDefinition(next: ServiceDefinition): Promise<void> {
    return this.rollOver(next);
  }

  /**
   * A message counts for the worker it came from: the worker itself, or a
   * process under it (hearth-notify run by its script, long gone by now),
   * found among the ancestors hearth-dgram read as the message arrived. A
   * sender under no worker (another service, any other process that reached
   * the socket) does not speak for the pool at all, its STATUS= included.
   * MAINPID= means nothing here: a pool has no main process.
   */
  handleNotify(payload: Buffer, sender?: NotifySender): void {
    if (!sender || sender.pid <= 0) return;
    // Every worker is hearthd's child, so at most one of them is on the way up.
    const chain = [sender.pid, ...(sender.lineage ?? [])];
    const worker = [...this.workers].find((w) => w.pid > 0 && chain.includes(w.pid));
    const msg = parseNotify(payload);
    if (!worker) {
      // Said if a worker's start times out: a READY=1 sent from outside the worker is the likely reason.
      if (msg.ready || msg.status !== undefined) this.ignoredSenders = { count: this.ignoredSenders.count + 1, lastPid: sender.pid };
      return;
    }
    if (msg.ready) worker.markReady();
    if (msg.status !== undefined) this.detailText = msg.status;
  }

  /**
   * After hearthd itself was killed: the previous hearthd's workers still hold
   * the sockets. They are not adopted (their output pipes died with hearthd);
   * they are killed, and the pool starts afresh once they are gone.
   */
  reclaim(record: RuntimeRecord): void {
    const stale = (record.workers ?? []).filter((w) => readProcStat(w.pid)?.startTime === w.startTime);
    this.restarts = record.restarts;
    // SIGKILL at once: a timeout of 0 is the stop path's "no grace".
    const stops = stale.map((w) => stopProcesses(new ProcessGroupBoundary([w.pid]), { signal: 'SIGKILL', timeoutMs: 0 }).done);
    this.leftovers = Promise.all(stops).then(() => undefined);
  }

  dispose(): void {
    this.stopSampling();
    this.timers.cancelAll();
    for (const w of this.workers) w.kill();
    for (const s of this.sockets ?? []) s.close();
    this.sockets = undefined;
    this.ctx.runtimeState?.remove(this.name);
  }

  // --- internals -------------------------------------------------------------

  private async prepare(): Promise<void> {
    if (this.leftovers) {
      await this.leftovers;
      this.leftovers = undefined;
    }
    if (this.def.ready.kind === 'notify' && this.notifySocket === undefined) {
      this.notifySocket = await this.ctx.notifySocketFor(this.name, true);
    }
    if (this.sockets === undefined) {
      this.sockets = await bindListeners(this.def.listen);
      this.inodes = this.sockets.map((s) => socketInode(s.fd)).filter((i): i is number => i !== undefined);
    }
  }

  private launchFor(def: ServiceDefinition, generation: number): WorkerLaunch {
    if (!this.limitsApplied) {
      this.unit.applyLimits(def.limits);
      this.limitsApplied = true;
    }
    return workerLaunch(def, this.ctx.configDir, this.sockets ?? [], this.notifySocket, { tracking: this.unit, leaf: `g${generation}` });
  }

  private spawnWorkers(count: number, generation: number, def: ServiceDefinition = this.def): PoolWorker[] {
    const launch = this.launchFor(def, generation);
    const pattern = def.ready.kind === 'log' ? def.ready.pattern : undefined;
    const fresh: PoolWorker[] = [];
    for (let i = 0; i < count; i++) {
      const worker = new PoolWorker(generation, launch, this.sink, pattern, {
        onReady: () => this.persist(),
        onExit: (w, code, signal) => this.onWorkerExit(w, code, signal),
      }, this.ctx.fifos?.spool?.pool(this.name));
      this.workers.add(worker);
      fresh.push(worker);
      if (worker.pid > 0) this.ctx.emit({ type: 'service.spawn', at: Date.now(), name: this.name, pid: worker.pid });
      if (def.ready.kind === 'none') queueMicrotask(() => worker.markReady());
      else this.armStartTimeout(worker, def);
    }
    this.persist();
    return fresh;
  }

  private armStartTimeout(worker: PoolWorker, def: ServiceDefinition): void {
    const timer = this.timers.after(def.startTimeoutMs, () => {
      if (worker.state !== 'starting' || !worker.alive) return;
      const { count, lastPid } = this.ignoredSenders;
      this.ctx.emit({ type: 'pool.worker', at: Date.now(), name: this.name, pid: worker.pid, change: 'ready-timeout', ...(count ? { ignoredSenders: { count, lastPid } } : {}) });
      worker.kill();
    });
    void worker.whenReady().then(
      () => this.timers.cancel(timer),
      () => this.timers.cancel(timer),
    );
  }

  private onWorkerExit(worker: PoolWorker, code: number | null, signal: NodeJS.Signals | null): void {
    this.workers.delete(worker);
    this.recycling.delete(worker);
    const now = Date.now();
    this.ctx.emit({ type: 'service.exit', at: now, name: this.name, pid: worker.pid, code, signal });
    this.persist();
    if (worker.state === 'stopping') return;
    this.lastExit = { code, signal, at: now };
    // A candidate generation's failures are the reload's business (rollOver), not a crash to replace.
    if (!this.wanted || worker.generation !== this.generation || this.stateValue === 'starting') return;
    const why = describeExit(code, signal);
    // A pool keeps its size: any worker that ends is replaced (Apache replaces a
    // child that exits after MaxConnectionsPerChild too), unless restart = "never".
    const policy = this.def.restart === 'never' ? 'never' : 'always';
    const decision = now < this.pausedUntil ? { action: 'paused' as const } : this.tracker.decide(policy, { code, signal }, now - worker.startedAt, now);
    if (decision.action === 'restart') {
      this.restarts++;
      const replace = () => {
        if (!this.wanted || this.stateValue !== 'running') return;
        this.tracker.recordStart(Date.now());
        this.spawnWorkers(1, this.generation);
      };
      if (decision.delayMs === 0) replace();
      else this.timers.after(decision.delayMs, replace);
      this.ctx.emit({ type: 'pool.worker', at: Date.now(), name: this.name, pid: worker.pid, change: 'replaced', reason: why, ...(decision.delayMs ? { delayMs: decision.delayMs } : {}) });
    } else if (decision.action === 'fail') {
      const pauseMs = decision.retryInMs ?? this.def.backoff.coolDownMs;
      this.pausedUntil = now + pauseMs;
      const within = formatDuration(this.def.backoff.burstIntervalMs, { precise: true });
      this.detailText = `workers crashed ${this.def.backoff.burst} times within ${within}; replacements paused for ${formatDuration(pauseMs, { precise: true })}`;
      this.ctx.emit({ type: 'pool.failed', at: Date.now(), name: this.name, reason: this.detailText });
      this.timers.after(pauseMs, () => this.topUp());
    }
    if (this.serving().length === 0 && decision.action !== 'restart') {
      this.setState(decision.action === 'none' ? 'exited' : 'failed', why);
      if (decision.action === 'none') this.wanted = false;
    }
  }

  /** After a pause: back to at least the pool's minimum. */
  private topUp(): void {
    if (!this.wanted) return;
    this.tracker.reset();
    this.pausedUntil = 0;
    this.detailText = undefined;
    const missing = this.settings.minWorkers - this.serving().length;
    if (missing > 0) this.spawnWorkers(missing, this.generation);
    if (this.stateValue === 'failed') this.setState('running');
  }

  private rollOver(next: ServiceDefinition): Promise<void> {
    const run = async () => {
      const previousDef = this.def;
      const old = this.serving();
      const candidate = this.generation + 1;
      const count = Math.max(old.length, next.pool!.startWorkers);
      const fresh = this.spawnWorkers(count, candidate, next);
      try {
        await Promise.all(fresh.map((w) => w.whenReady()));
      } catch (e) {
        await this.stopWorkers(fresh);
        const err = new HearthError('ERR_SPAWN', `reload of "${this.name}" abandoned, the running workers keep serving: ${describeError(e)}`, { cause: e });
        this.ctx.emit({ type: 'service.error', at: Date.now(), name: this.name, message: err.message });
        throw err;
      }
      // The new generation serves from here on; the old one drains.
      this.def = next;
      this.generation = candidate;
      if (next.pool !== previousDef.pool) this.scaler = new PoolScaler(next.pool!);
      this.persist();
      this.ctx.emit({ type: 'pool.reloaded', at: Date.now(), name: this.name, fresh: fresh.length, old: old.length });
      await this.stopWorkers(old);
    };
    const previous = this.rolling ?? Promise.resolve();
    const mine = previous.catch(() => undefined).then(run);
    this.rolling = mine;
    void mine.finally(() => {
      if (this.rolling === mine) this.rolling = undefined;
    }).catch(() => undefined);
    return mine;
  }

  private stopWorkers(workers: PoolWorker[]): Promise<void> {
    return Promise.all(workers.map((w) => w.stop(this.def.stopSignal, this.def.stopTimeoutMs))).then(() => undefined);
  }

  private startSampling(): void {
    const p = this.settings;
    if (this.sampler || (p.minWorkers === p.maxWorkers && p.maxAgeMs === undefined)) return;
    this.sampler = setInterval(() => this.sample(), SAMPLE_MS);
    this.sampler.unref();
  }

  private stopSampling(): void {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = undefined;
  }

  private sample(): void {
    if (!this.wanted || this.stateValue !== 'running' || this.rolling) return;
    const now = Date.now();
    const serving = this.serving();
    this.recycleOld(serving, now);
    const p = this.settings;
    if (p.minWorkers === p.maxWorkers) return;
    const idle = serving.filter((w) => w.state === 'ready' && w.sampleIdle()).length;
    const decision = this.scaler.decide({
      now,
      workers: serving.length,
      starting: serving.filter((w) => w.state === 'starting').length,
      idle,
      queued: acceptQueueLength(this.inodes),
    });
    if (decision && 'grow' in decision && now >= this.pausedUntil) {
      this.spawnWorkers(decision.grow, this.generation);
      this.ctx.emit({ type: 'pool.size', at: Date.now(), name: this.name, change: 'grow', workers: serving.length + decision.grow });
    } else if (decision && 'shrink' in decision) {
      const victim = serving.filter((w) => w.idle && w.state === 'ready').pop();
      if (victim) {
        void victim.stop(this.def.stopSignal, this.def.stopTimeoutMs);
        this.ctx.emit({ type: 'pool.size', at: Date.now(), name: this.name, change: 'shrink', workers: serving.length - 1 });
      }
    }
  }

  /** worker_max_age: one worker at a time is replaced, the newcomer ready before the old one stops. */
  private recycleOld(serving: PoolWorker[], now: number): void {
    const maxAge = this.settings.maxAgeMs;
    if (maxAge === undefined || this.recycling.size > 0) return;
    const old = serving.find((w) => w.state === 'ready' && now - w.startedAt >= maxAge);
    if (!old) return;
    this.recycling.add(old);
    const [fresh] = this.spawnWorkers(1, this.generation);
    fresh!.whenReady().then(
      () => void old.stop(this.def.stopSignal, this.def.stopTimeoutMs),
      () => this.recycling.delete(old),
    );
  }

  private persist(): void {
    const store = this.ctx.runtimeState;
    if (!store) return;
    store.save(this.name, {
      pid: null,
      pgid: null,
      startTime: null,
      startedAt: this.startedAt,
      readyAt: this.readyAt,
      restarts: this.restarts,
      wanted: this.wanted,
      defHash: definitionHash(this.def),
      workers: this.pids().map((pid) => ({ pid, startTime: readProcStat(pid)?.startTime ?? null })),
    });
  }

  private setState(to: ServiceState, detail?: string): void {
    const from = this.stateValue;
    this.stateValue = to;
    if (detail !== undefined || to === 'running' || to === 'stopped') this.detailText = detail;
    this.ctx.emit(stateEvent(this.name, from, to, null, this.detailText));
  }
}
