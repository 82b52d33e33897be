import { spawn, type ChildProcess } from 'node:child_process';
import { HearthError, describeError } from '../errors/index.js';
import type { ExitInfo, HearthEvent, ServiceDefinition, ServiceState, ServiceStatus } from '../model/index.js';
import { applyUmask, readProcStat } from '../process/index.js';
import type { OutputFifos } from './output-fifo.js';
import type { RuntimeRecord, RuntimeStateStore } from './runtime-state.js';
import { RestartTracker } from './restart-policy.js';
import type { Runner } from './runner.js';
import { definitionHash } from './definitions-equal.js';
import { LineMatcher, parseNotify, waitForTcp } from './readiness.js';
import { activationEnv, activationStdio, bindListeners, waitForFirstConnection, type BoundSocket } from '../superserver/index.js';
import { serviceLaunch } from './service-launch.js';
import { ProcessGroupBoundary, pidAlive, signalPid, stopProcesses, whenPidDies, type ProcessBoundary } from '../boundary/index.js';
import { describeExit } from '../events/index.js';
import { ServiceOutput, type LogSink } from './service-output.js';
import { waitForPidFile } from './pidfile.js';

export type { LogSink };

export interface RunnerContext {
  emit(event: HearthEvent): void;
  /** Where output goes; called once per runner. */
  logSink(def: ServiceDefinition): LogSink;
  /** Creates (once) the service's sd_notify socket and returns its path. */
  notifySocketFor(name: string): Promise<string>;
  /** Named pipes for output that outlive hearthd; without them, plain pipes. */
  fifos?: OutputFifos;
  /** Where pids and counters are kept for a recovering hearthd. */
  runtimeState?: RuntimeStateStore;
  configDir: string;
}

interface Waiter {
  resolve(): void;
  reject(e: Error): void;
}

const NO_PROCESS: ReadonlySet<ServiceState> = new Set(['stopped', 'exited', 'failed', 'backoff', 'broken']);

/**
 * One service's lifecycle: a state machine driven by commands (start, stop,
 * restart, reload) and by what its processes do (exit, become ready). Every
 * transition is published as an event. The runner owns its timers; nothing here
 * blocks the event loop.
 */
export { describeExit };

export class ServiceRunner implements Runner {
  private stateValue: ServiceState = 'stopped';
  private detail: string | undefined;
  private child: ChildProcess | undefined;
  /** The service's main pid: the child, or the pid a forking daemon left in its pidfile. */
  private mainPid: number | null = null;
  private pgid: number | null = null;
  private startedAt: number | null = null;
  private readyAt: number | null = null;
  private restarts = 0;
  private lastExit: ExitInfo | null = null;
  /** What the operator asked for; crashes do not change it, stop does. */
  private wanted = false;
  private readonly tracker: RestartTracker;
  private readonly output: ServiceOutput;
  private readyWaiters: Waiter[] = [];
  private stopWaiters: Waiter[] = [];
  /** Cancels whatever is pending: readiness probes, timeouts, retry timers. */
  private cancels: Array<() => void> = [];
  private stopCancels: Array<() => void> = [];
  /** Resolves the wait of a stop in progress for the main process's exit to be seen. */
  private mainGone: (() => void) | undefined;
  private matcher: LineMatcher | undefined;
  private notifySocket: string | undefined;
  private sockets: BoundSocket[] | undefined;
  private replacing = false;
  private persistQueued = false;
  private disposed = false;
  private lastRecord: string | undefined;
  private defHashValue: string | undefined;

  constructor(
    public def: ServiceDefinition,
    private readonly ctx: RunnerContext,
  ) {
    this.tracker = new RestartTracker(def.backoff);
    this.output = new ServiceOutput(def.name, ctx.logSink(def), ctx.fifos, (_stream, chunk) => this.matchReadyLine(chunk));
  }

  get name(): string {
    return this.def.name;
  }

  get state(): ServiceState {
    return this.stateValue;
  }

  get pid(): number | null {
    return this.mainPid;
  }

  get processGroup(): number | null {
    return this.pgid;
  }

  /** True once the operator asked for the service to run and has not stopped it since. */
  get wantedRunning(): boolean {
    return this.wanted;
  }

  snapshot(): ServiceStatus {
    return {
      name: this.def.name,
      description: this.def.description,
      kind: 'service',
      state: this.stateValue,
      ...(this.detail ? { detail: this.detail } : {}),
      pid: this.mainPid,
      startedAt: this.startedAt,
      readyAt: this.readyAt,
      restarts: this.restarts,
      lastExit: this.lastExit,
      source: this.def.origin.file,
    };
  }

  /** Resolves once the service is running and ready; rejects if it cannot get there. */
  start(): Promise<void> {
    if (this.stateValue === 'running') return Promise.resolve();
    const settled = new Promise<void>((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
    if (this.stateValue === 'starting') return settled;
    if (this.stateValue === 'stopping') {
      this.wanted = true;
      return settled;
    }
    this.wanted = true;
    // An operator's start forgives earlier crashes, as `systemctl reset-failed; start` would.
    this.tracker.reset();
    this.cancelPending();
    if (this.needsPreparation()) {
      this.setState('starting', 'preparing sockets');
      this.prepare().then(
        () => {
          if (this.wanted && this.child === undefined) this.launchOrArm();
        },
        (e) => this.startFailed(e),
      );
    } else {
      this.launchOrArm();
    }
    return settled;
  }

  /**
   * Resolves once no process of the service is left. `replacing` is a stop on
   * the way to a new definition (reload): the operator's intent to run it
   * stays recorded, so a hearthd killed in between starts it again.
   */
  stop(options: { replacing?: boolean } = {}): Promise<void> {
    this.wanted = false;
    this.replacing = options.replacing === true;
    this.cancelPending();
    this.rejectReady(new HearthError('ERR_SPAWN', `"${this.name}" was stopped before it became ready`));
    if (NO_PROCESS.has(this.stateValue) || (this.mainPid === null && this.pgid === null)) {
      if (this.stateValue !== 'stopped') this.setState('stopped');
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve, reject) => this.stopWaiters.push({ resolve, reject }));
    if (this.stateValue !== 'stopping') this.beginStop();
    return done;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Sends the reload signal to the main process. */
  reload(): void {
    if (this.mainPid === null || this.stateValue !== 'running') {
      throw new HearthError('ERR_SPAWN', `cannot reload "${this.name}": it is ${this.stateValue}, not running`);
    }
    signalPid(this.mainPid, this.def.reloadSignal);
  }

  /** An sd_notify datagram on this service's own socket. */
  handleNotify(payload: Buffer, _senderPid?: number): void {
    const msg = parseNotify(payload);
    if (msg.status !== undefined) {
      this.detail = msg.status;
      if (this.stateValue === 'running') this.emitState(this.stateValue, this.stateValue);
    }
    if (msg.mainPid !== undefined && msg.mainPid !== this.mainPid && pidAlive(msg.mainPid)) {
      this.mainPid = msg.mainPid;
    }
    if (msg.ready && this.stateValue === 'starting' && this.def.ready.kind === 'notify') this.becomeReady();
  }

  private needsPreparation(): boolean {
    return (this.def.ready.kind === 'notify' && this.notifySocket === undefined) || (this.def.listen.length > 0 && this.sockets === undefined);
  }

  /** Sockets outlive the processes: bound once, kept across restarts, so no connection is refused meanwhile. */
  private async prepare(): Promise<void> {
    if (this.def.ready.kind === 'notify' && this.notifySocket === undefined) {
      this.notifySocket = await this.ctx.notifySocketFor(this.name);
    }
    if (this.def.listen.length > 0 && this.sockets === undefined) {
      try {
        this.sockets = await bindListeners(this.def.listen);
      } catch (e) {
        throw new HearthError('ERR_SPAWN', `cannot start "${this.name}": ${describeError(e)}`, { cause: e });
      }
    }
  }

  /** activation = "on-demand" waits for the first connection; everything else starts now. */
  private launchOrArm(): void {
    if (this.def.activation !== 'on-demand' || !this.sockets) {
      this.spawnNow();
      return;
    }
    const wait = waitForFirstConnection(this.sockets);
    let cancelled = false;
    this.cancels.push(() => {
      cancelled = true;
      wait.cancel();
    });
    wait.ready.then(
      () => {
        if (!cancelled && this.wanted && this.child === undefined) this.spawnNow();
      },
      (e) => {
        if (!cancelled) this.startFailed(e);
      },
    );
    this.setState('stopped', `listening on ${this.def.listen.join(', ')}; starts on the first connection`);
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w.resolve();
  }

  private spawnNow(): void {
    const def = this.def;
    let child: ChildProcess;
    try {
      const sockets = this.sockets ?? [];
      const launch = serviceLaunch(def, this.ctx.configDir, {
        ...(def.ready.kind === 'notify' ? { notifySocket: this.notifySocketPath() } : {}),
        ...(sockets.length > 0 ? { activation: activationEnv(sockets) } : {}),
      });
      const output = this.output.fdsForSpawn();
      this.persist({ spawning: true });
      try {
        child = applyUmask(def.umask, () =>
          spawn(launch.file, launch.args, {
            cwd: launch.cwd,
            env: launch.env,
            // Its own process group, so a stop reaches every process it forked.
            detached: true,
            stdio: ['ignore', output?.[0] ?? 'pipe', output?.[1] ?? 'pipe', ...activationStdio(sockets)],
          }),
        );
      } finally {
        if (output) this.output.closeSpawnFds(output);
      }
    } catch (e) {
      this.startFailed(e);
      return;
    }
    if (child.pid === undefined) {
      // spawn() reports ENOENT, EACCES… asynchronously through 'error'.
      child.once('error', (e) => this.startFailed(new HearthError('ERR_SPAWN', `cannot start "${this.name}": ${e.message}`, { cause: e })));
      return;
    }
    const now = Date.now();
    this.child = child;
    this.mainPid = def.type === 'forking' ? null : child.pid;
    this.pgid = child.pid;
    this.startedAt = now;
    this.readyAt = null;
    this.detail = undefined;
    this.tracker.recordStart(now);
    this.matcher = def.ready.kind === 'log' ? new LineMatcher(def.ready.pattern) : undefined;
    this.output.attachPipes(child.stdout, child.stderr);
    this.persist();
    child.on('error', () => {
      /* exit follows; nothing to add */
    });
    child.once('exit', (code, signal) => this.onChildExit(child, code, signal));
    this.ctx.emit({ type: 'service.spawn', at: now, name: this.name, pid: child.pid });
    this.setState('starting');
    this.awaitReadiness(child);
  }

  /**
   * Records pid, identity and counters so a restarted hearthd can adopt instead
   * of respawn. The intent written just before a spawn (`extra`) goes to disk at
   * once; every other change is written once per tick and only if the record
   * changed, since a start passes through several states in the same tick.
   */
  private persist(extra?: Partial<RuntimeRecord>): void {
    if (!this.ctx.runtimeState) return;
    if (extra) {
      this.writeRecord(extra);
      return;
    }
    if (this.persistQueued) return;
    this.persistQueued = true;
    queueMicrotask(() => {
      this.persistQueued = false;
      if (!this.disposed) this.writeRecord({});
    });
  }

  private writeRecord(extra: Partial<RuntimeRecord>): void {
    const pid = this.mainPid;
    const record: RuntimeRecord = {
      pid,
      pgid: this.pgid,
      startTime: pid !== null ? (readProcStat(pid)?.startTime ?? null) : null,
      startedAt: this.startedAt,
      readyAt: this.readyAt,
      restarts: this.restarts,
      wanted: this.wanted || this.replacing,
      defHash: (this.defHashValue ??= definitionHash(this.def)),
      ...extra,
    };
    const text = JSON.stringify(record);
    if (text === this.lastRecord) return;
    this.lastRecord = text;
    this.ctx.runtimeState!.save(this.name, record);
  }

  /**
   * Takes over a process a previous hearthd started (kill -9 of hearthd, then
   * a new one). Identity is pid plus start time, so a recycled pid is never
   * mistaken for the service. Returns false when the process is gone.
   */
  adopt(record: RuntimeRecord): boolean {
    this.restarts = record.restarts;
    this.wanted = record.wanted;
    const pid = record.pid;
    const stat = pid !== null ? readProcStat(pid) : undefined;
    if (pid === null || !stat || stat.startTime !== record.startTime || stat.state === 'Z') return false;
    this.output.openReaders();
    this.mainPid = pid;
    this.pgid = record.pgid;
    this.startedAt = record.startedAt;
    this.readyAt = record.readyAt ?? Date.now();
    // Not our child: watch it through /proc, quickly enough that a death is noticed at once.
    this.stopCancels.push(whenPidDies(pid, () => pid === this.mainPid && this.onMainExit(null, null), 50));
    this.setState('running', 'adopted after a hearthd restart');
    return true;
  }

  private notifySocketPath(): string {
    if (!this.notifySocket) {
      throw new HearthError('ERR_SPAWN', `cannot start "${this.name}" with ready = "notify": its notify socket is not open`);
    }
    return this.notifySocket;
  }

  private awaitReadiness(child: ChildProcess): void {
    const ready = this.def.ready;
    if (this.def.type === 'forking') {
      this.armStartTimeout();
      return; // readiness is the launcher's clean exit plus a pidfile, see onChildExit
    }
    if (ready.kind === 'none') {
      this.becomeReady();
      return;
    }
    this.armStartTimeout();
    if (ready.kind === 'tcp') {
      this.cancels.push(waitForTcp(ready.host, ready.port, () => child === this.child && this.becomeReady()));
    }
    // notify and log are driven by incoming data (handleNotify, onOutput).
  }

  private armStartTimeout(): void {
    const timer = setTimeout(() => {
      if (this.stateValue !== 'starting') return;
      const err = new HearthError(
        'ERR_READY_TIMEOUT',
        `"${this.name}" did not become ready within ${this.def.startTimeoutMs}ms (ready = ${this.def.ready.kind})`,
      );
      this.ctx.emit({ type: 'service.error', at: Date.now(), name: this.name, message: err.message });
      this.rejectReady(err);
      // Treat as a crash: kill what is there; the exit path applies the restart policy.
      this.detail = 'start timed out';
      this.boundary().kill();
    }, this.def.startTimeoutMs);
    this.cancels.push(() => clearTimeout(timer));
  }

  /** ready = "log:…": the first matching line of output makes the service ready. */
  private matchReadyLine(chunk: Buffer): void {
    if (this.matcher && this.stateValue === 'starting' && this.matcher.feed(chunk)) {
      this.matcher = undefined;
      this.becomeReady();
    }
  }

  private becomeReady(): void {
    this.cancelPending();
    this.readyAt = Date.now();
    this.setState('running');
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w.resolve();
  }

  private onChildExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.output.end();
    if (this.def.type === 'forking' && this.stateValue === 'starting') {
      this.onForkingLauncherExit(code, signal);
      return;
    }
    this.onMainExit(code, signal);
  }

  /** A classic daemon's launcher exited: success means the daemon is now in the background. */
  private onForkingLauncherExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (code !== 0) {
      this.onMainExit(code, signal);
      return;
    }
    const pidFile = this.def.pidFile!;
    this.cancels.push(
      waitForPidFile(
        pidFile,
        this.def.startTimeoutMs,
        (pid) => {
          if (this.stateValue !== 'starting') return;
          this.mainPid = pid;
          this.pgid = null;
          this.cancels.push(whenPidDies(pid, () => pid === this.mainPid && this.onMainExit(null, null)));
          this.becomeReadyKeepingWatch();
        },
        () => {
          if (this.stateValue !== 'starting') return;
          this.onMainExit(code, signal, new HearthError('ERR_PIDFILE', `"${this.name}" forked but pidfile "${pidFile}" names no live process`));
        },
      ),
    );
  }

  /** becomeReady cancels pending work; the forking death watch must survive it. */
  private becomeReadyKeepingWatch(): void {
    const watch = this.cancels.pop()!;
    this.becomeReady();
    this.stopCancels.push(watch);
  }

  private onMainExit(code: number | null, signal: NodeJS.Signals | null, error?: HearthError): void {
    const now = Date.now();
    const pid = this.mainPid ?? this.pgid ?? 0;
    const ranForMs = this.startedAt === null ? 0 : now - this.startedAt;
    this.lastExit = { code, signal, at: now };
    this.ctx.emit({ type: 'service.exit', at: now, name: this.name, pid, code, signal });
    const pgid = this.pgid;
    this.mainPid = null;

    if (this.stateValue === 'stopping') {
      this.mainGone?.();
      return;
    }
    this.cancelPending();
    for (const c of this.stopCancels.splice(0)) c();
    // What the main process left behind in its group goes too, as systemd's
    // control-group kill mode does; the restart below does not wait for it.
    if (pgid !== null) void stopProcesses(new ProcessGroupBoundary([pgid]), { signal: this.def.stopSignal, timeoutMs: this.def.stopTimeoutMs }).done;
    this.pgid = null;
    const wasStarting = this.stateValue === 'starting';
    const why = error?.message ?? describeExit(code, signal);
    if (wasStarting) this.rejectReady(new HearthError('ERR_SPAWN', `"${this.name}" exited before it was ready: ${why}`));

    if (!this.wanted) {
      this.setState('exited', why);
      return;
    }
    const decision = this.tracker.decide(this.def.restart, { code, signal }, ranForMs, now);
    if (decision.action === 'none' && this.def.activation === 'on-demand' && this.sockets) {
      // A socket-activated service that exits is started again by the next connection.
      this.launchOrArm();
    } else if (decision.action === 'none') {
      this.wanted = false;
      this.setState('exited', why);
    } else if (decision.action === 'restart' && decision.delayMs === 0) {
      this.restarts++;
      this.spawnNow();
    } else if (decision.action === 'restart') {
      this.setState('backoff', `${why}; restart in ${decision.delayMs}ms`);
      this.retryAfter(decision.delayMs, false);
    } else {
      this.setState('failed', `${why}; crashed ${this.def.backoff.burst} times within ${this.def.backoff.burstIntervalMs}ms, retrying in ${decision.retryInMs}ms`);
      this.retryAfter(decision.retryInMs, true);
    }
  }

  private startFailed(e: unknown): void {
    const err = e instanceof HearthError ? e : new HearthError('ERR_SPAWN', `cannot start "${this.name}": ${describeError(e)}`, { cause: e });
    this.ctx.emit({ type: 'service.error', at: Date.now(), name: this.name, message: err.message });
    this.rejectReady(err);
    this.child = undefined;
    this.mainPid = null;
    this.pgid = null;
    this.setState('failed', err.message);
    // The binary or user may appear later (a package being installed): try again after the cool-down.
    if (this.wanted) this.retryAfter(this.def.backoff.coolDownMs, true);
  }

  private retryAfter(ms: number, resetTracker: boolean): void {
    const timer = setTimeout(() => {
      if (!this.wanted) return;
      if (resetTracker) this.tracker.reset();
      this.restarts++;
      this.spawnNow();
    }, ms);
    this.cancels.push(() => clearTimeout(timer));
  }

  /** The processes one stop must reach: the group hearthd created, and the main pid's own group. */
  private boundary(): ProcessBoundary {
    return new ProcessGroupBoundary([this.pgid, this.mainPid]);
  }

  /** The one stop path: stop signal, SIGKILL after stop_timeout, done when the main exit is seen and nothing is left. */
  private beginStop(): void {
    this.setState('stopping');
    const { stopSignal, stopTimeoutMs } = this.def;
    const stop = stopProcesses(this.boundary(), {
      signal: stopSignal,
      timeoutMs: stopTimeoutMs,
      onEscalate: () => this.ctx.emit({ type: 'service.stop-escalated', at: Date.now(), name: this.name, signal: stopSignal, timeoutMs: stopTimeoutMs }),
    });
    const mainGone = this.child === undefined && this.mainPid === null ? Promise.resolve() : new Promise<void>((resolve) => (this.mainGone = resolve));
    let cancelled = false;
    this.stopCancels.push(() => {
      cancelled = true;
      stop.cancel();
    });
    void Promise.all([stop.done, mainGone]).then(() => {
      if (!cancelled && this.stateValue === 'stopping') this.finishStop();
    });
  }

  private finishStop(): void {
    for (const c of this.stopCancels.splice(0)) c();
    this.mainGone = undefined;
    this.pgid = null;
    this.mainPid = null;
    this.setState('stopped');
    const waiters = this.stopWaiters;
    this.stopWaiters = [];
    for (const w of waiters) w.resolve();
    if (this.wanted) {
      // start() was called while stopping.
      this.tracker.reset();
      this.spawnNow();
    }
  }

  private rejectReady(e: Error): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w.reject(e);
  }

  private cancelPending(): void {
    for (const c of this.cancels.splice(0)) c();
  }

  private setState(to: ServiceState, detail?: string): void {
    const from = this.stateValue;
    this.stateValue = to;
    if (from !== to) this.persist();
    if (detail !== undefined || to !== 'running') this.detail = detail;
    this.emitState(from, to);
  }

  private emitState(from: ServiceState, to: ServiceState): void {
    this.ctx.emit({
      type: 'service.state',
      at: Date.now(),
      name: this.name,
      from,
      to,
      pid: this.mainPid,
      ...(this.detail ? { detail: this.detail } : {}),
    });
  }

  /** Releases timers, sockets and output pipes when the service is removed from the config. */
  dispose(): void {
    this.disposed = true;
    this.output.close();
    this.ctx.runtimeState?.remove(this.name);
    this.cancelPending();
    for (const c of this.stopCancels.splice(0)) c();
    for (const s of this.sockets ?? []) s.close();
    this.sockets = undefined;
  }
}
