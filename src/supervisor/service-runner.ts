import { spawn, type ChildProcess } from 'node:child_process';
import { HearthError, describeError } from '../errors/index.js';
import { formatDuration, isRunningState, type ExitInfo, type ServiceState, type ServiceStatus, type ServiceDefinition } from '../model/index.js';
import { applyUmask, readProcStat } from '../process/index.js';
import type { RuntimeRecord } from './runtime-state.js';
import { RuntimeRecorder } from './runtime-recorder.js';
import { RestartTracker } from './restart-policy.js';
import type { Runner, RunnerContext } from './runner.js';
import { definitionHash } from './definitions-equal.js';
import { parseNotify } from './readiness.js';
import { ReadinessWatch } from './readiness-watch.js';
import { ServiceSockets } from './service-sockets.js';
import { Waiters } from './waiters.js';
import { serviceLaunch } from './service-launch.js';
import { pidAlive, signalPid, stopProcesses, whenPidDies, type ProcessBoundary, type UnitTracking } from '../boundary/index.js';
import { describeExit } from '../events/index.js';
import { ServiceOutput, type LogSink } from './service-output.js';
import { onlyRootCouldWrite, waitForPidFile } from './pidfile.js';

export { describeExit };
export type { LogSink, RunnerContext };

/**
 * One service's lifecycle: a state machine driven by commands (start, stop,
 * restart, reload) and by what its processes do (exit, become ready). Every
 * transition is published as an event. The runner owns its timers; nothing here
 * blocks the event loop.
 */
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
  private readonly recorder: RuntimeRecorder;
  /** This service's processes as the host tracks them (its cgroup, or its process groups). */
  private readonly unit: UnitTracking;
  private limitsApplied = false;
  /** The unit's OOM-kill count when the current process started. */
  private oomKillsAtStart = 0;
  private readonly readyWaiters = new Waiters();
  private readonly stopWaiters = new Waiters();
  /** Cancels whatever is pending: readiness probes, timeouts, retry timers. */
  private cancels: Array<() => void> = [];
  private stopCancels: Array<() => void> = [];
  /** Resolves the wait of a stop in progress for the main process's exit to be seen. */
  private mainGone: (() => void) | undefined;
  private readiness: ReadinessWatch | undefined;
  private readonly sockets: ServiceSockets;
  private replacing = false;
  private defHashValue: string | undefined;

  constructor(
    public def: ServiceDefinition,
    private readonly ctx: RunnerContext,
  ) {
    this.tracker = new RestartTracker(def.backoff);
    this.sockets = new ServiceSockets(def, ctx.notifySocketFor);
    this.unit = ctx.tracking.unit('service', def.name);
    this.recorder = new RuntimeRecorder(ctx.runtimeState, def.name, () => this.runtimeRecord());
    this.output = new ServiceOutput(def.name, ctx.logSink(def), ctx.fifos, (_stream, chunk) => this.readiness?.feedOutput(chunk));
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
    const settled = this.readyWaiters.wait();
    if (this.stateValue === 'starting') return settled;
    if (this.stateValue === 'stopping') {
      this.wanted = true;
      return settled;
    }
    this.wanted = true;
    // An operator's start forgives earlier crashes, as `systemctl reset-failed; start` would.
    this.tracker.reset();
    this.cancelPending();
    if (this.sockets.needsPreparation) {
      this.setState('starting', 'preparing sockets');
      this.sockets.prepare().then(
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
    if (!isRunningState(this.stateValue) || (this.mainPid === null && this.pgid === null)) {
      if (this.stateValue !== 'stopped') this.setState('stopped');
      return Promise.resolve();
    }
    const done = this.stopWaiters.wait();
    if (this.stateValue !== 'stopping') this.beginStop();
    return done;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  usage(): { memoryBytes: number; cpuSeconds: number; tasks: number } | undefined {
    return this.unit.usage([this.pgid, this.mainPid]);
  }

  /** Where this service's processes are tracked, for `hearth status`. */
  get cgroup(): string {
    return this.unit.where;
  }

  redefine(def: ServiceDefinition): void {
    this.def = def;
    this.tracker.setBackoff(def.backoff);
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
    if (msg.mainPid !== undefined && msg.mainPid !== this.mainPid && pidAlive(msg.mainPid)) this.acceptMainPid(msg.mainPid, 'MAINPID=');
    if (msg.ready && this.stateValue === 'starting') this.readiness?.notifyReady();
  }

  /** activation = "on-demand" waits for the first connection; everything else starts now. */
  private launchOrArm(): void {
    if (this.def.activation !== 'on-demand' || !this.sockets.hasListeners) {
      this.spawnNow();
      return;
    }
    const wait = this.sockets.waitForFirstConnection();
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
    this.readyWaiters.resolveAll();
  }

  private spawnNow(): void {
    const def = this.def;
    let child: ChildProcess;
    try {
      if (!this.limitsApplied) {
        this.unit.applyLimits(def.limits);
        this.limitsApplied = true;
      }
      const launch = serviceLaunch(def, this.ctx.configDir, { ...this.sockets.launchEnv(), unit: { tracking: this.unit } });
      const output = this.output.fdsForSpawn();
      this.recorder.saveNow({ spawning: true });
      try {
        child = applyUmask(def.umask, () =>
          spawn(launch.file, launch.args, {
            cwd: launch.cwd,
            env: launch.env,
            // Its own process group, so a stop reaches every process it forked.
            detached: true,
            stdio: ['ignore', output?.[0] ?? 'pipe', output?.[1] ?? 'pipe', ...this.sockets.stdio()],
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
    this.oomKillsAtStart = this.unit.oomKills();
    this.output.attachPipes(child.stdout, child.stderr);
    this.recorder.saveSoon();
    child.on('error', () => {
      /* exit follows; nothing to add */
    });
    child.once('exit', (code, signal) => this.onChildExit(child, code, signal));
    this.ctx.emit({ type: 'service.spawn', at: now, name: this.name, pid: child.pid });
    this.setState('starting');
    const watch = new ReadinessWatch(def, { ready: () => child === this.child && this.becomeReady(), timedOut: (e) => this.startTimedOut(e) }, { servicePids: () => this.unit.pids([this.pgid, this.mainPid]) });
    this.readiness = watch;
    this.cancels.push(() => watch.cancel());
    watch.begin();
  }

  /** What a recovering hearthd needs to adopt this service (see RuntimeRecorder). */
  private runtimeRecord(): RuntimeRecord {
    const pid = this.mainPid;
    return {
      pid,
      pgid: this.pgid,
      startTime: pid !== null ? (readProcStat(pid)?.startTime ?? null) : null,
      startedAt: this.startedAt,
      readyAt: this.readyAt,
      restarts: this.restarts,
      wanted: this.wanted || this.replacing,
      defHash: (this.defHashValue ??= definitionHash(this.def)),
    };
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

  /** The start timed out: treat it as a crash; the exit path applies the restart policy. */
  private startTimedOut(err: HearthError): void {
    if (this.stateValue !== 'starting') return;
    this.ctx.emit({ type: 'service.error', at: Date.now(), name: this.name, message: err.message });
    this.rejectReady(err);
    this.detail = 'start timed out';
    this.boundary().kill();
  }

  private becomeReady(): void {
    this.cancelPending();
    this.readyAt = Date.now();
    this.setState('running');
    this.readyWaiters.resolveAll();
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
          const refused = this.refusalOf(pid, pidFile);
          if (refused) return this.onMainExit(code, signal, new HearthError('ERR_PIDFILE', refused));
          this.mainPid = pid;
          this.becomeReady();
          // Pushed after becomeReady, which cancels pending work: the death watch outlives readiness.
          this.stopCancels.push(whenPidDies(pid, () => pid === this.mainPid && this.onMainExit(null, null)));
        },
        (why) => {
          if (this.stateValue !== 'starting') return;
          this.onMainExit(code, signal, new HearthError('ERR_PIDFILE', `"${this.name}" forked but pidfile "${pidFile}" ${why}`));
        },
        () => this.unit.populated(),
      ),
    );
  }

  private onMainExit(code: number | null, signal: NodeJS.Signals | null, error?: HearthError): void {
    const now = Date.now();
    const pid = this.mainPid ?? this.pgid ?? 0;
    const ranForMs = this.startedAt === null ? 0 : now - this.startedAt;
    const oomKilled = this.unit.oomKills() > this.oomKillsAtStart;
    this.lastExit = { code, signal, at: now, ...(oomKilled ? { reason: 'oom-killed' as const } : {}) };
    this.ctx.emit({ type: 'service.exit', at: now, name: this.name, pid, code, signal, ...(oomKilled ? { reason: 'oom-killed' as const } : {}) });
    const groups = [this.pgid, this.mainPid];
    this.mainPid = null;

    if (this.stateValue === 'stopping' && this.mainGone) {
      this.mainGone();
      return;
    }
    this.cancelPending();
    for (const c of this.stopCancels.splice(0)) c();
    this.pgid = null;
    const why = error?.message ?? (oomKilled ? `out of memory: killed by the kernel (memory_max)` : describeExit(code, signal));
    if (this.stateValue === 'starting') this.rejectReady(new HearthError('ERR_SPAWN', `"${this.name}" exited before it was ready: ${why}`));
    // What the main process left behind goes before anything starts again, so
    // a restart never meets the old workers on its port (KillMode "process" keeps them).
    const leftovers = this.def.killMode === 'process' ? undefined : this.unit.boundary(groups);
    if (leftovers && !leftovers.isEmpty()) {
      this.setState('stopping', `${why}; stopping what it left running`);
      const stop = stopProcesses(leftovers, { signal: this.def.stopSignal, timeoutMs: this.def.stopTimeoutMs, onEscalate: () => this.escalated() });
      this.stopCancels.push(stop.cancel);
      void stop.done.then(() => {
        if (this.stateValue === 'stopping') this.afterExit({ code, signal }, why, ranForMs);
      });
      return;
    }
    this.afterExit({ code, signal }, why, ranForMs);
  }

  /** The main process is gone and so is everything it started: apply the restart policy. */
  private afterExit(exit: { code: number | null; signal: NodeJS.Signals | null }, why: string, ranForMs: number): void {
    for (const c of this.stopCancels.splice(0)) c();
    if (!this.wanted) {
      // An operator's stop that came in meanwhile is done now too.
      this.setState(this.stopWaiters.pending ? 'stopped' : 'exited', why);
      this.stopWaiters.resolveAll();
      return;
    }
    const decision = this.tracker.decide(this.def.restart, exit, ranForMs, Date.now());
    if (decision.action === 'none' && this.def.activation === 'on-demand' && this.sockets.hasListeners) {
      // A socket-activated service that exits is started again by the next connection.
      this.launchOrArm();
    } else if (decision.action === 'none') {
      this.wanted = false;
      this.setState('exited', why);
    } else if (decision.action === 'restart' && decision.delayMs === 0) {
      this.restarts++;
      this.spawnNow();
    } else if (decision.action === 'restart') {
      this.setState('backoff', `${why}; restart in ${formatDuration(decision.delayMs, { precise: true })}`);
      this.retryAfter(decision.delayMs, false);
    } else {
      const within = formatDuration(this.def.backoff.burstIntervalMs, { precise: true });
      this.setState('failed', `${why}; crashed ${this.def.backoff.burst} times within ${within}, retrying in ${formatDuration(decision.retryInMs, { precise: true })}`);
      this.retryAfter(decision.retryInMs, true);
    }
  }

  /**
   * A main pid named by a pidfile or MAINPID= is trusted only if it is a
   * process of this service, or if only root could have written the pidfile:
   * otherwise a service could make hearthd signal any process on the host.
   */
  private refusalOf(pid: number, pidFile?: string): string | undefined {
    if (this.unit.contains(pid, [this.pgid])) return undefined;
    if (pidFile !== undefined && onlyRootCouldWrite(pidFile)) return undefined;
    const source = pidFile !== undefined ? `pidfile "${pidFile}"` : 'MAINPID=';
    return `"${this.name}": refusing pid ${pid} from ${source}: it is not a process of the service${pidFile !== undefined ? ', and the file is not owned by root or is writable by others' : ''}`;
  }

  private acceptMainPid(pid: number, source: string): void {
    const refused = this.refusalOf(pid);
    if (!refused) {
      this.mainPid = pid;
      return;
    }
    this.ctx.emit({ type: 'service.error', at: Date.now(), name: this.name, message: refused.replace('MAINPID=', source) });
    // A start that names a foreign main process fails; a running service keeps its main pid.
    if (this.stateValue === 'starting') this.startTimedOut(new HearthError('ERR_PIDFILE', refused));
  }

  private escalated(): void {
    this.ctx.emit({ type: 'service.stop-escalated', at: Date.now(), name: this.name, signal: this.def.stopSignal, timeoutMs: this.def.stopTimeoutMs });
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

  /** The processes one stop must reach: the unit's cgroup, or the group hearthd created and the main pid's own. */
  private boundary(): ProcessBoundary {
    return this.unit.boundary([this.pgid, this.mainPid]);
  }

  /** The one stop path: stop signal, SIGKILL after stop_timeout, done when the main exit is seen and nothing is left. */
  private beginStop(): void {
    this.setState('stopping');
    const stop = stopProcesses(this.boundary(), {
      signal: this.def.stopSignal,
      timeoutMs: this.def.stopTimeoutMs,
      killMode: this.def.killMode ?? 'control-group',
      mainPid: this.mainPid,
      onEscalate: () => this.escalated(),
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
    this.stopWaiters.resolveAll();
    if (this.wanted) {
      // start() was called while stopping.
      this.tracker.reset();
      this.spawnNow();
    }
  }

  private rejectReady(e: Error): void {
    this.readyWaiters.rejectAll(e);
  }

  private cancelPending(): void {
    for (const c of this.cancels.splice(0)) c();
  }

  private setState(to: ServiceState, detail?: string): void {
    const from = this.stateValue;
    this.stateValue = to;
    if (from !== to) this.recorder.saveSoon();
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
    this.recorder.dispose();
    this.output.close();
    this.unit.release();
    this.cancelPending();
    for (const c of this.stopCancels.splice(0)) c();
    this.sockets.close();
  }
}
