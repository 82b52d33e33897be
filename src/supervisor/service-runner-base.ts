import { spawn, type ChildProcess } from 'node:child_process';
import { onSpawnOutcome, type ServerProcess, type ServerSpawner } from '../native/index.js';
import { closeSync } from 'node:fs';
import { HearthError, describeError } from '../errors/index.js';
import type { CommandLine, ExitInfo, ServiceState, ServiceStatus, ServiceDefinition } from '../model/index.js';
import { applyUmask, readProcStat } from '../process/index.js';
import type { RuntimeRecord } from './runtime-state.js';
import { RuntimeRecorder } from './runtime-recorder.js';
import { RestartTracker } from './restart-policy.js';
import type { RunnerContext } from './runner.js';
import { definitionHash } from './definitions-equal.js';
import { ReadinessWatch } from './readiness-watch.js';
import { ServiceSockets } from './service-sockets.js';
import { Waiters } from './waiters.js';
import { Latch } from '../util/latch.js';
import { serviceLaunch, type LaunchExtras, type ServiceLaunch } from './service-launch.js';
import { signalPid, type ProcessBoundary, type UnitTracking } from '../boundary/index.js';
import { ServiceOutput } from './service-output.js';
import { onlyRootCouldWrite } from './pidfile.js';
import { CommandSequence, type CommandOutcome } from './service-commands.js';
import { FifoPath, outputFds, type OutputFds } from './service-stdio.js';
import { removePrivateTmp, removeRuntimeDirectories } from './service-exec.js';
import type { PrivateTmp } from './sandbox-args.js';
import { stateEvent } from '../model/index.js';

/** What a readiness pattern can need of a start's first output; more is a flood, not a greeting. */
const EARLY_OUTPUT_MAX = 64 * 1024;

/** An output target as the helper takes it: a descriptor of hearthd's, or null for /dev/null. */
function descriptor(spec: OutputFds<FifoPath>['stdout']): number | string | null {
  if (typeof spec === 'number') return spec;
  if (spec instanceof FifoPath) return spec.path;
  if (spec === 'ignore') return null;
  throw new HearthError('ERR_SPAWN', 'internal: output that is not a file cannot go through hearth-spawner');
}

type Cancel = () => void;
const NO_CANCELS: readonly Cancel[] = Object.freeze([]);

/**
 * What every part of a service's lifecycle shares: its state and the one way
 * it changes (setState, each change an event), the processes of its run (main
 * pid, process group, the control command running now), how one of its
 * processes is launched (through the unit's tracking, with its output), its
 * timers, and clean-up. The start path is in service-runner.ts, the end of a
 * run (asked for or not) in service-ending.ts.
 */
export abstract class ServiceRunnerBase {
  protected stateValue: ServiceState = 'stopped';
  protected detail: string | undefined;
  /** The main process: Node's child, or one hearth-spawner started (its pid comes a moment later). */
  protected child: ServerProcess | undefined;
  /** Settles once a main process the helper is starting has its pid, or failed: a stop waits for it. */
  protected spawning: Promise<void> | undefined;
  /** Output that came while `spawning` (see feedReadiness). */
  protected earlyOutput: { chunks: Buffer[]; bytes: number } | undefined;
  /** The command `child` runs (its "-" flag decides whether its failure counts). */
  protected mainCommand: CommandLine | undefined;
  /** The service's main pid: the child, or the pid a forking daemon left in its pidfile. */
  protected mainPid: number | null = null;
  protected pgid: number | null = null;
  /** The other command running now (ExecStartPre=, ExecStop= …), if any. */
  protected control: CommandSequence | undefined;
  protected startedAt: number | null = null;
  protected readyAt: number | null = null;
  protected restarts = 0;
  protected lastExit: ExitInfo | null = null;
  /** What the operator asked for; crashes do not change it, stop does. */
  protected wanted = false;
  protected readonly tracker: RestartTracker;
  protected readonly output: ServiceOutput;
  protected readonly recorder: RuntimeRecorder;
  /** This service's processes as the host tracks them (its cgroup, or its process groups). */
  protected readonly unit: UnitTracking;
  protected limitsApplied = false;
  /** The unit's OOM-kill count when the current process started. */
  protected oomKillsAtStart = 0;
  protected readonly readyWaiters = new Waiters();
  protected readonly stopWaiters = new Waiters();
  /**
   * Cancels whatever is pending: readiness probes, timeouts, retry timers (see onCancel).
   * Both lists are remade at their exact size and share one empty array: most of
   * thousands of services hold none or one, where push() would reserve 17 slots each.
   */
  private cancels: readonly Cancel[] = NO_CANCELS;
  /** Ends what watches a run until its stop (a readiness watch's end, a pid's death watch). */
  private stopCancels: readonly Cancel[] = NO_CANCELS;
  /** Resolves when the main process's exit has been seen. */
  protected mainDone: Latch | undefined;
  protected readiness: ReadinessWatch | undefined;
  protected readonly sockets: ServiceSockets;
  protected replacing = false;
  protected defHashValue: string | undefined;
  /** Bumped by every start, stop and wind-down: the async steps of an older one give up. */
  protected generation = 0;
  /** An operator's stop is under way (the main process's exit is then expected). */
  protected stopping = false;
  /** The end of a run is being handled (ExecStop=, leftovers, ExecStopPost=). */
  protected windingDown = false;
  /** A oneshot's ExecStart= commands still to run. */
  protected pendingStarts: CommandLine[] = [];
  /** $RUNTIME_DIRECTORY and friends, for every command of this run. */
  protected runEnv: Record<string, string> = {};
  protected privateTmp: PrivateTmp | undefined;
  /** hearth ended the run for taking too long: its exit is a timeout, not a crash. */
  protected timedOut = false;
  /** A oneshot with remainAfterExit whose commands are done: up, without processes. */
  protected remaining = false;
  protected startDeadline: (() => void) | undefined;

  constructor(
    public def: ServiceDefinition,
    protected readonly ctx: RunnerContext,
  ) {
    this.tracker = new RestartTracker(def.backoff);
    this.sockets = new ServiceSockets(def, ctx.notifySocketFor, ctx.heldSockets);
    this.unit = ctx.tracking.unit(ctx.trackingKind, def.name);
    this.recorder = new RuntimeRecorder(ctx.runtimeState, def.name, () => this.runtimeRecord());
    this.output = new ServiceOutput(def.name, ctx.logSink(def), ctx.fifos, (_stream, chunk) => this.feedReadiness(chunk));
  }

  /**
   * Output for ready = "log:…". A process the helper starts runs before its
   * pid reaches hearthd, so what it prints meanwhile is kept (up to
   * EARLY_OUTPUT_MAX bytes) for the readiness watch its pid brings.
   */
  private feedReadiness(chunk: Buffer): void {
    const early = this.earlyOutput;
    if (early === undefined) {
      this.readiness?.feedOutput(chunk);
      return;
    }
    if (early.bytes + chunk.length > EARLY_OUTPUT_MAX) return;
    early.chunks.push(chunk);
    early.bytes += chunk.length;
  }

  /** The output kept while the pid was on its way, to the new readiness watch; no more kept. */
  protected takeEarlyOutput(): Buffer[] {
    const chunks = this.earlyOutput?.chunks ?? [];
    this.earlyOutput = undefined;
    return chunks;
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

  /** `systemctl kill`: the signal to the main process, the control command, or the whole unit. */
  signal(signal: NodeJS.Signals, whom: 'main' | 'control' | 'all'): number {
    if (whom === 'main') return this.mainPid !== null && signalPid(this.mainPid, signal) ? 1 : 0;
    if (whom === 'control') return this.control?.pid != null && signalPid(this.control.pid, signal) ? 1 : 0;
    return this.boundary().signal(signal) ? 1 : 0;
  }

  /** One process of the unit, started through its tracking (cgroup first), with its output going where the definition says. */
  protected spawnTracked(launch: ServiceLaunch, extraStdio: number[] = []): ChildProcess {
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

  /**
   * The main process through hearth-spawner, when the helper runs and can
   * carry everything the start needs: no connection on stdin and no
   * listening sockets on fds 3… (those are sockets, which the helper takes
   * only for per-connection servers), output to the service's FIFOs, a file
   * or nowhere. Else undefined, and the runner's own spawn is used.
   */
  protected helperForMain(extraStdio: readonly number[]): ServerSpawner | undefined {
    const spawner = this.ctx.spawner;
    if (!spawner?.usesHelper || extraStdio.length > 0 || this.ctx.fifos === undefined) return undefined;
    return this.ctx.connection?.(this.def.name) === undefined ? spawner : undefined;
  }

  /**
   * Starts `launch` (made with launcher "helper") through the spawner. The
   * helper opens the output FIFOs by path; an output file hearthd opens stays
   * open until the start settles.
   */
  protected spawnThroughHelper(spawner: ServerSpawner, launch: ServiceLaunch): ServerProcess {
    const journal = this.output.fifoPathsForSpawn();
    let fds: OutputFds<FifoPath> | undefined;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      for (const fd of fds?.opened ?? []) closeSync(fd);
    };
    try {
      fds = outputFds(this.def, journal);
      const proc = spawner.spawnService({
        file: launch.file,
        argv: [launch.file, ...launch.args],
        env: launch.env,
        cwd: launch.cwd,
        ...(this.def.umask !== undefined ? { umask: this.def.umask } : {}),
        stdio: [null, descriptor(fds.stdout), descriptor(fds.stderr)],
        ...launch.helper,
      });
      onSpawnOutcome(proc, release, release);
      return proc;
    } catch (e) {
      release();
      throw e;
    }
  }

  protected launch(command: CommandLine | undefined, extras: LaunchExtras): ServiceLaunch {
    return serviceLaunch(this.def, this.ctx.configDir, {
      ...extras,
      ...(command ? { command } : {}),
      extraEnv: { ...this.runEnv, ...extras.extraEnv },
      ...(this.privateTmp ? { privateTmp: this.privateTmp } : {}),
      unit: { tracking: this.unit },
    });
  }

  /** Runs one list of the service's other commands, each as a process of the unit. */
  protected runControl(label: string, commands: readonly CommandLine[], extraEnv: Record<string, string> = {}): Promise<CommandOutcome> {
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

  protected mainPidEnv(): Record<string, string> {
    return this.mainPid !== null ? { MAINPID: String(this.mainPid) } : {};
  }

  /**
   * What a recovering hearthd needs to adopt this service (see RuntimeRecorder).
   * While the helper starts the main process, the record keeps saying so: a
   * record written in that window without `spawning` would make the successor
   * of a hearthd that died then take the new process for leftovers of the old
   * run (and kill it), or, without cgroups, start the service a second time.
   */
  protected runtimeRecord(): RuntimeRecord {
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
    };
    if (this.spawning !== undefined && pid === null) record.spawning = true;
    return record;
  }

  /** The start took too long: end the run; its exit then counts as a timeout. */
  protected startTimedOut(err: HearthError): void {
    if (this.stateValue !== 'starting' || this.timedOut) return;
    this.timedOut = true;
    this.ctx.emit({ type: 'service.error', at: Date.now(), name: this.name, message: err.message });
    this.rejectReady(err);
    this.detail = 'start timed out';
    this.boundary().kill();
  }

  protected armStartDeadline(): void {
    this.clearStartDeadline();
    const ms = this.def.startTimeoutMs;
    const timer = setTimeout(() => this.startTimedOut(new HearthError('ERR_READY_TIMEOUT', `"${this.name}" did not finish starting within ${ms}ms`)), ms);
    this.startDeadline = () => clearTimeout(timer);
  }

  protected clearStartDeadline(): void {
    this.startDeadline?.();
    this.startDeadline = undefined;
  }

  /** Runtime directories and the private /tmp go when a run ends (RuntimeDirectoryPreserve= may keep the first). */
  protected cleanUpRun(restarting: boolean): void {
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
  protected refusalOf(pid: number, pidFile?: string): string | undefined {
    if (this.unit.contains(pid, [this.pgid])) return undefined;
    if (pidFile !== undefined && onlyRootCouldWrite(pidFile)) return undefined;
    const source = pidFile !== undefined ? `pidfile "${pidFile}"` : 'MAINPID=';
    return `"${this.name}": refusing pid ${pid} from ${source}: it is not a process of the service${pidFile !== undefined ? ', and the file is not owned by root or is writable by others' : ''}`;
  }

  protected escalated(): void {
    this.ctx.emit({ type: 'service.stop-escalated', at: Date.now(), name: this.name, signal: this.def.stopSignal, timeoutMs: this.def.stopTimeoutMs });
  }

  /** The processes one stop must reach: the unit's cgroup, or the groups hearthd created and the main pid's own. */
  protected boundary(): ProcessBoundary {
    return this.unit.boundary([this.pgid, this.mainPid, this.control?.pid ?? null]);
  }

  protected rejectReady(e: Error): void {
    this.readyWaiters.rejectAll(e);
  }

  /** Runs `cancel` at the next cancelPending(). */
  protected onCancel(cancel: Cancel): void {
    this.cancels = [...this.cancels, cancel];
  }

  protected cancelPending(): void {
    this.runAll('cancels');
  }

  /** Runs `cancel` when the run's watches end (endStopWatches). */
  protected onStopWatchesEnd(cancel: Cancel): void {
    this.stopCancels = [...this.stopCancels, cancel];
  }

  protected endStopWatches(): void {
    this.runAll('stopCancels');
  }

  private runAll(list: 'cancels' | 'stopCancels'): void {
    // Emptied first: a cancel that arms something new keeps it for the next time.
    const pending = this[list];
    this[list] = NO_CANCELS;
    for (const c of pending) c();
  }

  protected setState(to: ServiceState, detail?: string): void {
    const from = this.stateValue;
    this.stateValue = to;
    if (from !== to) this.recorder.saveSoon();
    if (detail !== undefined || to !== 'running') this.detail = detail;
    this.emitState(from, to);
  }

  protected emitState(from: ServiceState, to: ServiceState): void {
    this.ctx.emit(stateEvent(this.name, from, to, this.mainPid, this.detail));
  }

  /** Releases timers, sockets and output pipes when the service is removed from the config. */
  dispose(): void {
    this.generation++;
    this.recorder.dispose();
    this.output.close();
    this.unit.release();
    this.cancelPending();
    this.clearStartDeadline();
    this.endStopWatches();
    this.sockets.close();
    removePrivateTmp(this.privateTmp);
  }
}
