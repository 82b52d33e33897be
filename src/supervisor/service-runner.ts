import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { HearthError, describeError } from '../errors/index.js';
import { formatDuration, isRunningState, type CommandLine, type ExitInfo, type ServiceState, type ServiceStatus, type ServiceDefinition } from '../model/index.js';
import { applyUmask, readProcStat } from '../process/index.js';
import type { RuntimeRecord } from './runtime-state.js';
import { RuntimeRecorder } from './runtime-recorder.js';
import { RestartTracker, isCleanExit, type ExitFacts } from './restart-policy.js';
import type { Runner, RunnerContext } from './runner.js';
import { definitionHash } from './definitions-equal.js';
import { parseNotify } from './readiness.js';
import { ReadinessWatch } from './readiness-watch.js';
import { ServiceSockets } from './service-sockets.js';
import { Waiters } from './waiters.js';
import { serviceLaunch, type LaunchExtras, type ServiceLaunch } from './service-launch.js';
import { pidAlive, signalPid, stopProcesses, whenPidDies, type ProcessBoundary, type UnitTracking } from '../boundary/index.js';
import { describeExit } from '../events/index.js';
import { ServiceOutput, type LogSink } from './service-output.js';
import { onlyRootCouldWrite, waitForPidFile } from './pidfile.js';
import { CommandSequence, type CommandOutcome } from './service-commands.js';
import { outputFds, type OutputFds } from './service-stdio.js';
import { createPrivateTmp, prepareDirectories, removePrivateTmp, removeRuntimeDirectories } from './service-exec.js';
import type { PrivateTmp } from './sandbox-args.js';
import { exitVariables, guarded, settleWithin } from './run-steps.js';

export { describeExit };
export type { LogSink, RunnerContext };

/**
 * One service's lifecycle: a state machine driven by commands (start, stop,
 * restart, reload) and by what its processes do (exit, become ready). Every
 * transition is published as an event. The runner owns its timers; nothing here
 * blocks the event loop.
 *
 * A start runs ExecCondition= and ExecStartPre= (when the definition has
 * them), then the main process, waits for readiness, then ExecStartPost=. An
 * end, asked for or not, runs ExecStop= (if the service had come up), stops
 * whatever is left through the one stop path, runs ExecStopPost= and cleans
 * up. Each asynchronous step checks `generation`: a stop or a new start makes
 * the steps of the previous one give up.
 */
export class ServiceRunner implements Runner {
  private stateValue: ServiceState = 'stopped';
  private detail: string | undefined;
  private child: ChildProcess | undefined;
  /** The command `child` runs (its "-" flag decides whether its failure counts). */
  private mainCommand: CommandLine | undefined;
  /** The service's main pid: the child, or the pid a forking daemon left in its pidfile. */
  private mainPid: number | null = null;
  private pgid: number | null = null;
  /** The other command running now (ExecStartPre=, ExecStop= …), if any. */
  private control: CommandSequence | undefined;
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
  /** Resolves when the main process's exit has been seen. */
  private mainDone: { promise: Promise<void>; resolve(): void } | undefined;
  private readiness: ReadinessWatch | undefined;
  private readonly sockets: ServiceSockets;
  private replacing = false;
  private defHashValue: string | undefined;
  /** Bumped by every start, stop and wind-down: the async steps of an older one give up. */
  private generation = 0;
  /** An operator's stop is under way (the main process's exit is then expected). */
  private stopping = false;
  /** The end of a run is being handled (ExecStop=, leftovers, ExecStopPost=). */
  private windingDown = false;
  /** A oneshot's ExecStart= commands still to run. */
  private pendingStarts: CommandLine[] = [];
  /** $RUNTIME_DIRECTORY and friends, for every command of this run. */
  private runEnv: Record<string, string> = {};
  private privateTmp: PrivateTmp | undefined;
  /** hearth ended the run for taking too long: its exit is a timeout, not a crash. */
  private timedOut = false;
  /** A oneshot with remainAfterExit whose commands are done: up, without processes. */
  private remaining = false;
  private startDeadline: (() => void) | undefined;

  constructor(
    public def: ServiceDefinition,
    private readonly ctx: RunnerContext,
  ) {
    this.tracker = new RestartTracker(def.backoff);
    this.sockets = new ServiceSockets(def, ctx.notifySocketFor, () => ctx.heldSockets?.(def.name) ?? []);
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

  pids(): number[] {
    return [this.mainPid, this.pgid, this.control?.pid ?? null].filter((p): p is number => p !== null);
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
    this.wanted = true;
    // Being stopped or wound down: that path starts it again once it is done.
    if (this.stopping || this.windingDown) return settled;
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
    if (this.stopping || this.windingDown) return this.stopWaiters.wait();
    const holds = this.remaining || this.control !== undefined || this.mainPid !== null || this.pgid !== null;
    if (!isRunningState(this.stateValue) || !holds) {
      this.clearStartDeadline();
      if (this.stateValue !== 'stopped') this.setState('stopped');
      return Promise.resolve();
    }
    const done = this.stopWaiters.wait();
    void this.beginStop();
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

  /** ExecReload= when the service has it (resolves when they are done), else the reload signal to the main process. */
  reload(): void | Promise<void> {
    if (this.stateValue !== 'running') {
      throw new HearthError('ERR_SPAWN', `cannot reload "${this.name}": it is ${this.stateValue}, not running`);
    }
    const commands = this.def.commands?.reload;
    if (commands?.length) {
      return this.runControl('ExecReload', commands, this.mainPidEnv()).then((r) => {
        if (!r.ok) throw new HearthError('ERR_SPAWN', `reloading "${this.name}" failed: ${r.why ?? 'ExecReload= failed'}`);
      });
    }
    if (this.mainPid === null) throw new HearthError('ERR_SPAWN', `cannot reload "${this.name}": it has no main process to signal and no ExecReload=`);
    signalPid(this.mainPid, this.def.reloadSignal);
  }

  /** `systemctl kill`: the signal to the main process, the control command, or the whole unit. */
  signal(signal: NodeJS.Signals, whom: 'main' | 'control' | 'all'): number {
    if (whom === 'main') return this.mainPid !== null && signalPid(this.mainPid, signal) ? 1 : 0;
    if (whom === 'control') return this.control?.pid != null && signalPid(this.control.pid, signal) ? 1 : 0;
    return this.boundary().signal(signal) ? 1 : 0;
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
      this.beginStart();
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
        if (!cancelled && this.wanted && this.child === undefined) this.beginStart();
      },
      (e) => {
        if (!cancelled) this.startFailed(e);
      },
    );
    this.setState('stopped', `listening on ${this.def.listen.join(', ')}; starts on the first connection`);
    this.readyWaiters.resolveAll();
  }

  /** Directories, private /tmp, then ExecCondition= and ExecStartPre=, then the main process. */
  private beginStart(): void {
    const gen = ++this.generation;
    const def = this.def;
    this.timedOut = false;
    this.remaining = false;
    try {
      if (!this.limitsApplied) {
        this.unit.applyLimits(def.limits);
        this.limitsApplied = true;
      }
      this.runEnv = prepareDirectories(def);
      this.privateTmp ??= createPrivateTmp(def);
    } catch (e) {
      this.startFailed(e);
      return;
    }
    const c = def.commands;
    if (c?.condition?.length || c?.startPre?.length || c?.startPost?.length || def.type === 'oneshot') this.armStartDeadline();
    if (!c?.condition?.length && !c?.startPre?.length) {
      this.spawnMain();
      return;
    }
    this.setState('starting', c.condition?.length ? 'checking ExecCondition=' : 'running ExecStartPre=');
    void guarded(() => gen === this.generation, async (still) => {
      if (c.condition?.length) {
        const r = await this.runControl('ExecCondition', c.condition);
        if (!still()) return;
        // 1-254: the condition says "not now", which is not a failure.
        if (!r.ok && !this.timedOut && r.signal === null && r.code !== null && r.code >= 1 && r.code <= 254) return this.skipStart(r.why ?? 'ExecCondition= failed');
        if (!r.ok) return this.failRun(r, 'ExecCondition= failed', false);
      }
      if (c.startPre?.length) {
        const r = await this.runControl('ExecStartPre', c.startPre);
        if (!still()) return;
        if (!r.ok) return this.failRun(r, 'ExecStartPre= failed', false);
      }
      this.spawnMain();
    }, (e) => this.startFailed(e));
  }

  private spawnMain(): void {
    const starts = this.def.commands?.start;
    if (this.def.type === 'oneshot') {
      this.pendingStarts = starts ? [...starts] : [{ argv: this.def.exec }];
      const first = this.pendingStarts.shift();
      // A oneshot may have no ExecStart= at all (RemainAfterExit= with ExecStop= only).
      if (first === undefined) {
        this.startedAt = Date.now();
        this.becomeReady();
      } else this.spawnProcess(first);
      return;
    }
    this.spawnProcess(starts?.[0]);
  }

  private spawnProcess(command: CommandLine | undefined): void {
    const def = this.def;
    let child: ChildProcess;
    try {
      const launch = this.launch(command, { ...this.sockets.launchEnv() });
      this.recorder.saveNow({ spawning: true });
      child = this.spawnTracked(launch, this.sockets.stdio());
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
    this.mainCommand = command;
    this.mainPid = def.type === 'forking' ? null : child.pid;
    this.pgid = child.pid;
    this.startedAt = now;
    this.readyAt = null;
    this.detail = undefined;
    this.tracker.recordStart(now);
    this.oomKillsAtStart = this.unit.oomKills();
    this.output.attachPipes(child.stdout, child.stderr);
    let resolveMain!: () => void;
    this.mainDone = { promise: new Promise<void>((r) => (resolveMain = r)), resolve: () => resolveMain() };
    this.recorder.saveSoon();
    child.on('error', () => {
      /* exit follows; nothing to add */
    });
    child.once('exit', (code, signal) => this.onChildExit(child, code, signal));
    this.ctx.emit({ type: 'service.spawn', at: now, name: this.name, pid: child.pid });
    this.setState('starting');
    // A oneshot is ready when its commands are done, which their exits tell.
    if (def.type === 'oneshot') return;
    const watch = new ReadinessWatch(def, { ready: () => child === this.child && this.becomeReady(), timedOut: (e) => this.startTimedOut(e) }, { servicePids: () => this.unit.pids([this.pgid, this.mainPid]) });
    this.readiness = watch;
    this.cancels.push(() => watch.cancel());
    watch.begin();
  }

  /** One process of the unit, started through its tracking (cgroup first), with its output going where the definition says. */
  private spawnTracked(launch: ServiceLaunch, extraStdio: number[] = []): ChildProcess {
    const journal = this.output.fdsForSpawn();
    let fds: OutputFds | undefined;
    try {
      const connection = this.ctx.connection?.(this.def.name);
      fds = outputFds(this.def, journal, connection);
      const { stdout, stderr } = fds;
      return applyUmask(this.def.umask, () =>
        // Its own process group, so a stop reaches every process it forked.
        spawn(launch.file, launch.args, { cwd: launch.cwd, env: launch.env, detached: true, stdio: [connection ?? 'ignore', stdout, stderr, ...extraStdio] }),
      );
    } finally {
      if (journal) this.output.closeSpawnFds(journal);
      for (const fd of fds?.opened ?? []) closeSync(fd);
    }
  }

  private launch(command: CommandLine | undefined, extras: LaunchExtras): ServiceLaunch {
    return serviceLaunch(this.def, this.ctx.configDir, {
      ...extras,
      ...(command ? { command } : {}),
      extraEnv: { ...this.runEnv, ...extras.extraEnv },
      ...(this.privateTmp ? { privateTmp: this.privateTmp } : {}),
      unit: { tracking: this.unit },
    });
  }

  /** Runs one list of the service's other commands, each as a process of the unit. */
  private runControl(label: string, commands: readonly CommandLine[], extraEnv: Record<string, string> = {}): Promise<CommandOutcome> {
    const seq = new CommandSequence(label, commands, (command) => {
      const child = this.spawnTracked(this.launch(command, { extraEnv }));
      this.output.attachPipes(child.stdout, child.stderr);
      return child;
    });
    this.control = seq;
    return seq.run().finally(() => {
      if (this.control === seq) this.control = undefined;
    });
  }

  private mainPidEnv(): Record<string, string> {
    return this.mainPid !== null ? { MAINPID: String(this.mainPid) } : {};
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
    this.watchMainPid(pid, 50);
    this.setState('running', 'adopted after a hearthd restart');
    return true;
  }

  /** A main process that is not our child (adopted, or a forking daemon's): watched through /proc. */
  private watchMainPid(pid: number, pollMs?: number): void {
    let resolveMain!: () => void;
    this.mainDone = { promise: new Promise<void>((r) => (resolveMain = r)), resolve: () => resolveMain() };
    this.stopCancels.push(whenPidDies(pid, () => pid === this.mainPid && this.onMainExit(null, null), pollMs));
  }

  /** The start took too long: end the run; its exit then counts as a timeout. */
  private startTimedOut(err: HearthError): void {
    if (this.stateValue !== 'starting' || this.timedOut) return;
    this.timedOut = true;
    this.ctx.emit({ type: 'service.error', at: Date.now(), name: this.name, message: err.message });
    this.rejectReady(err);
    this.detail = 'start timed out';
    this.boundary().kill();
  }

  private armStartDeadline(): void {
    this.clearStartDeadline();
    const ms = this.def.startTimeoutMs;
    const timer = setTimeout(() => this.startTimedOut(new HearthError('ERR_READY_TIMEOUT', `"${this.name}" did not finish starting within ${ms}ms`)), ms);
    this.startDeadline = () => clearTimeout(timer);
  }

  private clearStartDeadline(): void {
    this.startDeadline?.();
    this.startDeadline = undefined;
  }

  /** Ready by its type: ExecStartPost= comes next, if any. */
  private becomeReady(): void {
    this.cancelPending();
    const post = this.def.commands?.startPost;
    if (!post?.length) return this.ready();
    this.detail = 'running ExecStartPost=';
    this.emitState('starting', 'starting');
    const gen = this.generation;
    void guarded(() => gen === this.generation, async (still) => {
      const r = await this.runControl('ExecStartPost', post);
      if (!still()) return;
      if (!r.ok) return this.failRun(r, 'ExecStartPost= failed', true);
      this.ready();
    }, (e) => this.startFailed(e));
  }

  private ready(): void {
    this.clearStartDeadline();
    this.readyAt = Date.now();
    if (this.def.type === 'oneshot' && !this.def.remainAfterExit) {
      this.readyWaiters.resolveAll();
      void this.windDown({ code: 0, signal: null }, undefined, this.startedAt === null ? 0 : Date.now() - this.startedAt, true);
      return;
    }
    this.remaining = this.def.type === 'oneshot';
    this.setState('running', this.remaining ? 'its commands are done; it remains active' : undefined);
    if (this.def.runtimeMaxMs !== undefined) {
      const timer = setTimeout(() => {
        if (this.stateValue !== 'running') return;
        this.timedOut = true;
        this.detail = `ran longer than its maximum runtime (${this.def.runtimeMaxMs}ms)`;
        this.boundary().signal(this.def.stopSignal);
      }, this.def.runtimeMaxMs);
      this.cancels.push(() => clearTimeout(timer));
    }
    this.readyWaiters.resolveAll();
  }

  private onChildExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.output.end();
    const ignore = this.mainCommand?.ignoreFailure === true;
    if (this.def.type === 'oneshot' && this.stateValue === 'starting' && !this.stopping) {
      const ok = ignore || isCleanExit({ code, signal, timedOut: this.timedOut }, this.def.successExit);
      if (!ok) return this.onMainExit(code, signal);
      this.mainPid = null;
      this.pgid = null;
      this.mainDone?.resolve();
      const next = this.pendingStarts.shift();
      if (next) this.spawnProcess(next);
      else this.becomeReady();
      return;
    }
    if (this.def.type === 'forking' && this.stateValue === 'starting' && !this.stopping) {
      this.onForkingLauncherExit(ignore && !this.timedOut ? 0 : code, signal);
      return;
    }
    this.onMainExit(ignore && !this.timedOut ? 0 : code, ignore ? null : signal);
  }

  /** A classic daemon's launcher exited: success means the daemon is now in the background. */
  private onForkingLauncherExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (code !== 0) {
      this.onMainExit(code, signal);
      return;
    }
    const pidFile = this.def.pidFile;
    if (pidFile === undefined) {
      // No pidfile (systemd allows it): ready now; the unit's boundary still holds the daemon.
      this.pgid = null;
      this.becomeReady();
      return;
    }
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
          // Armed after becomeReady, which cancels pending work: the death watch outlives readiness.
          this.watchMainPid(pid);
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
    const wasRunning = this.stateValue === 'running';
    this.mainPid = null;
    this.mainDone?.resolve();
    // An operator's stop carries on by itself; the exit is what it waited for.
    if (this.stopping) return;
    this.cancelPending();
    const exit: ExitFacts = { code, signal, timedOut: this.timedOut || error !== undefined };
    const why = error?.message ?? (oomKilled ? `out of memory: killed by the kernel (memory_max)` : this.timedOut && this.detail ? this.detail : describeExit(code, signal));
    if (this.stateValue === 'starting') this.rejectReady(new HearthError('ERR_SPAWN', `"${this.name}" ${this.def.type === 'oneshot' ? 'failed' : 'exited before it was ready'}: ${why}`));
    void this.windDown(exit, why, ranForMs, wasRunning);
  }

  /** A start step failed: its exit stands for the run's, and the run ends as after a crash. */
  private failRun(r: CommandOutcome, fallback: string, runStop: boolean): void {
    const why = this.timedOut && this.detail ? this.detail : (r.why ?? fallback);
    this.ctx.emit({ type: 'service.error', at: Date.now(), name: this.name, message: why });
    this.rejectReady(new HearthError('ERR_SPAWN', `"${this.name}" failed to start: ${why}`));
    void this.windDown({ code: r.code ?? 1, signal: r.signal, timedOut: this.timedOut }, why, this.startedAt === null ? 0 : Date.now() - this.startedAt, runStop);
  }

  /** ExecCondition= said "not now": the start succeeds without running anything, as in systemd. */
  private skipStart(why: string): void {
    this.clearStartDeadline();
    this.cleanUpRun(false);
    this.wanted = false;
    this.setState('stopped', `start condition failed: ${why}`);
    this.readyWaiters.resolveAll();
  }

  /**
   * The end of a run that nobody asked for (the main process exited, a start
   * step failed, a oneshot finished): ExecStop= if it had come up, whatever
   * is left through the one stop path, ExecStopPost=, clean-up; then the
   * restart policy decides.
   */
  private async windDown(exit: ExitFacts, why: string | undefined, ranForMs: number, runStop: boolean): Promise<void> {
    const gen = ++this.generation;
    this.windingDown = true;
    this.clearStartDeadline();
    const c = this.def.commands;
    const needsWork = (runStop && c?.stop?.length) || c?.stopPost?.length || this.def.killMode !== 'process';
    if (needsWork) this.setState('stopping', why !== undefined ? `${why}; stopping what it left running` : undefined);
    if (runStop && c?.stop?.length) await settleWithin(this.runControl('ExecStop', c.stop, exitVariables(exit)), this.def.stopTimeoutMs);
    // What the main process left behind goes before anything starts again, so
    // a restart never meets the old workers on its port (KillMode "process" keeps them).
    if (gen === this.generation && this.def.killMode !== 'process') await this.stopWhatIsLeft(false);
    if (gen === this.generation && c?.stopPost?.length) await settleWithin(this.runControl('ExecStopPost', c.stopPost, exitVariables(exit)), this.def.stopTimeoutMs);
    if (gen !== this.generation) return;
    this.windingDown = false;
    this.pgid = null;
    this.afterExit(exit, why, ranForMs);
  }

  /** The main process is gone and so is everything it started: apply the restart policy. */
  private afterExit(exit: ExitFacts, why: string | undefined, ranForMs: number): void {
    for (const c of this.stopCancels.splice(0)) c();
    const clean = isCleanExit(exit, this.def.successExit);
    if (!this.wanted) {
      this.cleanUpRun(false);
      // An operator's stop that came in meanwhile is done now too.
      this.setState(this.stopWaiters.pending ? 'stopped' : 'exited', why);
      this.stopWaiters.resolveAll();
      return;
    }
    const decision = this.tracker.decide(this.def.restart, exit, ranForMs, Date.now(), {
      ...(this.def.successExit ? { success: this.def.successExit } : {}),
      ...(this.def.restartPrevent ? { prevent: this.def.restartPrevent } : {}),
      ...(this.def.restartForce ? { force: this.def.restartForce } : {}),
    });
    this.cleanUpRun(decision.action === 'restart');
    if (decision.action === 'none' && this.readyWaiters.pending) {
      // Someone asked for a start while the run was ending: that start happens now.
      this.beginStart();
    } else if (decision.action === 'none' && this.def.activation === 'on-demand' && this.sockets.hasListeners) {
      // A socket-activated service that exits is started again by the next connection.
      this.launchOrArm();
    } else if (decision.action === 'none') {
      this.wanted = false;
      this.setState(this.def.failedAfterUncleanExit && !clean ? 'failed' : 'exited', why);
    } else if (decision.action === 'restart' && decision.delayMs === 0) {
      this.restarts++;
      this.beginStart();
    } else if (decision.action === 'restart') {
      this.setState('backoff', `${why ?? 'exited'}; restart in ${formatDuration(decision.delayMs, { precise: true })}`);
      this.retryAfter(decision.delayMs, false);
    } else {
      const retry = decision.retryInMs;
      const within = formatDuration(this.def.backoff.burstIntervalMs, { precise: true });
      this.setState('failed', `${why ?? 'exited'}; crashed ${this.def.backoff.burst} times within ${within}${retry !== null ? `, retrying in ${formatDuration(retry, { precise: true })}` : ''}`);
      if (retry !== null) this.retryAfter(retry, true);
      else this.wanted = false;
    }
  }

  /** Runtime directories and the private /tmp go when a run ends (RuntimeDirectoryPreserve= may keep the first). */
  private cleanUpRun(restarting: boolean): void {
    try {
      removeRuntimeDirectories(this.def, restarting);
    } catch (e) {
      this.ctx.emit({ type: 'service.error', at: Date.now(), name: this.name, message: `cannot remove its runtime directory: ${describeError(e)}` });
    }
    if (!restarting) {
      removePrivateTmp(this.privateTmp);
      this.privateTmp = undefined;
    }
    this.remaining = false;
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
    this.clearStartDeadline();
    this.child = undefined;
    this.mainPid = null;
    this.pgid = null;
    this.cleanUpRun(false);
    this.setState('failed', err.message);
    // The binary or user may appear later (a package being installed): try again after the cool-down.
    if (this.wanted && !this.def.backoff.stayFailed) this.retryAfter(this.def.backoff.coolDownMs, true);
    else this.wanted = false;
  }

  private retryAfter(ms: number, resetTracker: boolean): void {
    const timer = setTimeout(() => {
      if (!this.wanted) return;
      if (resetTracker) this.tracker.reset();
      this.restarts++;
      this.beginStart();
    }, ms);
    this.cancels.push(() => clearTimeout(timer));
  }

  /** The processes one stop must reach: the unit's cgroup, or the groups hearthd created and the main pid's own. */
  private boundary(): ProcessBoundary {
    return this.unit.boundary([this.pgid, this.mainPid, this.control?.pid ?? null]);
  }

  /** The operator's stop: ExecStop= (if it had come up), the stop signal to what is left, ExecStopPost=. */
  private async beginStop(): Promise<void> {
    const gen = ++this.generation;
    this.stopping = true;
    this.clearStartDeadline();
    this.control?.cancel();
    this.setState('stopping');
    const c = this.def.commands;
    const up = this.readyAt !== null && (this.mainPid !== null || this.remaining);
    if (up && c?.stop?.length) await settleWithin(this.runControl('ExecStop', c.stop, this.mainPidEnv()), this.def.stopTimeoutMs);
    if (gen !== this.generation) return;
    await this.stopWhatIsLeft(true);
    if (gen !== this.generation) return;
    if (c?.stopPost?.length) await settleWithin(this.runControl('ExecStopPost', c.stopPost, exitVariables(this.lastExit ?? { code: 0, signal: null })), this.def.stopTimeoutMs);
    if (gen !== this.generation) return;
    this.finishStop();
  }

  /**
   * The one stop path: the stop signal (by KillMode), SIGKILL after
   * stop_timeout, done when nothing is left and, for an operator's stop, the
   * main process's exit has been seen.
   */
  private stopWhatIsLeft(waitForMain: boolean): Promise<void> {
    const boundary = this.boundary();
    if (boundary.isEmpty() && (!waitForMain || this.mainPid === null)) return Promise.resolve();
    const keepGoing = this.def.stop?.sendSigkill !== false;
    const stop = stopProcesses(boundary, {
      signal: this.def.stopSignal,
      // SendSIGKILL=no: never escalate; the wait below gives up after stop_timeout instead.
      timeoutMs: keepGoing ? this.def.stopTimeoutMs : 2 ** 31 - 1,
      killMode: this.def.killMode ?? 'control-group',
      mainPid: this.mainPid,
      onEscalate: () => this.escalated(),
    });
    if (this.def.stop?.sendSighup) boundary.signal('SIGHUP');
    this.stopCancels.push(stop.cancel);
    const main = waitForMain && this.mainPid !== null ? (this.mainDone?.promise ?? Promise.resolve()) : Promise.resolve();
    const done = Promise.all([stop.done, main]).then(() => undefined);
    if (keepGoing) return done;
    return settleWithin(done, this.def.stopTimeoutMs).then(() => stop.cancel());
  }

  private finishStop(): void {
    for (const c of this.stopCancels.splice(0)) c();
    this.stopping = false;
    this.mainDone = undefined;
    this.pgid = null;
    this.mainPid = null;
    this.cleanUpRun(this.wanted);
    this.setState('stopped');
    this.stopWaiters.resolveAll();
    if (this.wanted) {
      // start() was called while stopping.
      this.tracker.reset();
      this.beginStart();
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
    this.generation++;
    this.recorder.dispose();
    this.output.close();
    this.unit.release();
    this.cancelPending();
    this.clearStartDeadline();
    for (const c of this.stopCancels.splice(0)) c();
    this.sockets.close();
    removePrivateTmp(this.privateTmp);
  }
}
