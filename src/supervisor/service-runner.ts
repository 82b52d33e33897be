import { ChildProcess } from 'node:child_process';
import { keepErrorsHandled, onSpawnOutcome, type ServerProcess } from '../native/index.js';
import { HearthError } from '../errors/index.js';
import type { CommandLine } from '../model/index.js';
import { readProcStat } from '../process/index.js';
import type { RuntimeRecord } from './runtime-state.js';
import { isCleanExit } from './restart-policy.js';
import type { NotifySender, Runner } from './runner.js';
import { parseNotify } from './readiness.js';
import { ReadinessWatch, type ReadinessCallbacks } from './readiness-watch.js';
import { Latch } from '../util/latch.js';
import { pidAlive, signalPid, whenPidDies } from '../boundary/index.js';
import { waitForPidFile } from './pidfile.js';
import { createPrivateTmp, prepareDirectories } from './service-exec.js';
import { guarded } from './run-steps.js';
import { ServiceEnding } from './service-ending.js';

/** sd_notify datagrams kept while the pid is on its way (see handleNotify); more is a flood. */
const EARLY_NOTIFY_MAX = 64;

export { describeExit } from '../events/index.js';
export type { LogSink } from './service-output.js';
export type { RunnerContext } from './runner.js';

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
export class ServiceRunner extends ServiceEnding implements Runner {
  /** Datagrams that came while `spawning`, for the run the pid brings. */
  private earlyNotify: Buffer[] | undefined;

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

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
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

  /** An sd_notify datagram on this service's own socket. */
  handleNotify(payload: Buffer, _sender?: NotifySender): void {
    // The datagram and hearth-spawner's answer with the pid come by different ways, in either
    // order: one sent before the pid arrived waits for the readiness watch the pid brings, or a
    // READY=1 would be lost and the start time out.
    if (this.earlyNotify) {
      if (this.earlyNotify.length < EARLY_NOTIFY_MAX) this.earlyNotify.push(payload);
      return;
    }
    const msg = parseNotify(payload);
    if (msg.status !== undefined) {
      this.detail = msg.status;
      if (this.stateValue === 'running') this.emitState(this.stateValue, this.stateValue);
    }
    if (msg.mainPid !== undefined && msg.mainPid !== this.mainPid && pidAlive(msg.mainPid)) this.acceptMainPid(msg.mainPid, 'MAINPID=');
    if (msg.ready && this.stateValue === 'starting') this.readiness?.notifyReady();
  }

  /** activation = "on-demand" waits for the first connection; everything else starts now. */
  protected launchOrArm(): void {
    if (this.def.activation !== 'on-demand' || !this.sockets.hasListeners) {
      this.beginStart();
      return;
    }
    const wait = this.sockets.waitForFirstConnection();
    let cancelled = false;
    this.onCancel(() => {
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
  protected beginStart(): void {
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

  protected spawnMain(): void {
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

  protected spawnProcess(command: CommandLine | undefined): void {
    let child: ServerProcess;
    try {
      const extraStdio = this.sockets.stdio();
      const helper = this.helperForMain(extraStdio);
      const launch = this.launch(command, { ...this.sockets.launchEnv(), ...(helper ? { launcher: 'helper' as const } : {}) });
      this.recorder.saveNow({ spawning: true });
      child = helper ? this.spawnThroughHelper(helper, launch) : this.spawnTracked(launch, extraStdio);
    } catch (e) {
      this.startFailed(e);
      return;
    }
    if (child.pid !== undefined) {
      this.mainStarted(child, command, false);
      return;
    }
    // hearth-spawner answers with the pid a moment later; Node's spawn reports ENOENT, EACCES… through 'error'.
    const gen = this.generation;
    this.child = child;
    this.earlyOutput = { chunks: [], bytes: 0 };
    this.earlyNotify = [];
    // Starting from now: a stop that comes before the pid must wait for it (see beginStop).
    if (this.stateValue !== 'starting') this.setState('starting');
    let settled!: () => void;
    const spawning = new Promise<void>((resolve) => (settled = resolve));
    this.spawning = spawning;
    const settle = () => {
      if (this.spawning === spawning) {
        this.spawning = undefined;
        this.earlyOutput = undefined;
        this.earlyNotify = undefined;
      }
      settled();
    };
    onSpawnOutcome(
      child,
      () => {
        // A stop that began meanwhile waits for this, then stops the process like any other.
        if (this.child === child) this.mainStarted(child, command, gen !== this.generation);
        settle();
      },
      (e) => {
        if (this.child === child) {
          this.child = undefined;
          if (gen === this.generation) this.startFailed(new HearthError('ERR_SPAWN', `cannot start "${this.name}": ${e.message}`, { cause: e }));
        }
        settle();
      },
    );
  }

  /** The main process runs: its pid is known. `superseded`: a stop came first, and it only has to be stopped. */
  private mainStarted(child: ServerProcess, command: CommandLine | undefined, superseded: boolean): void {
    const def = this.def;
    const pid = child.pid!;
    const now = Date.now();
    const early = this.earlyNotify ?? [];
    this.earlyNotify = undefined;
    this.child = child;
    this.mainCommand = command;
    this.mainPid = def.type === 'forking' ? null : pid;
    this.pgid = pid;
    this.startedAt = now;
    this.readyAt = null;
    this.detail = undefined;
    this.tracker.recordStart(now);
    this.oomKillsAtStart = this.unit.oomKills();
    if (child instanceof ChildProcess) this.output.attachPipes(child.stdout, child.stderr);
    this.mainDone = new Latch();
    this.recorder.saveSoon();
    // An error now is a failed kill: the exit follows and says what matters.
    keepErrorsHandled(child);
    // on, not once: a process exits once, and once() would keep a wrapper for the whole run.
    child.on('exit', (code: number | null, signal: NodeJS.Signals | null) => this.onChildExit(child, code, signal));
    this.ctx.emit({ type: 'service.spawn', at: now, name: this.name, pid });
    if (superseded) return;
    if (this.stateValue !== 'starting') this.setState('starting');
    // A oneshot is ready when its commands are done, which their exits tell.
    if (def.type === 'oneshot') {
      for (const payload of early) this.handleNotify(payload);
      return;
    }
    // Most services are ready as they start: no watch is kept for their runs (hundreds of bytes each).
    if (ReadinessWatch.readyAtOnce(def)) {
      this.readiness = undefined;
      this.takeEarlyOutput();
      this.becomeReady();
      for (const payload of early) this.handleNotify(payload);
      return;
    }
    const watch = new ReadinessWatch(
      def,
      {
        ready: () => child === this.child && this.becomeReady(),
        timedOut: (e) => this.startTimedOut(e),
        ...this.busNameCallbacks(() => child === this.child),
      },
      { servicePids: () => this.unit.pids([this.pgid, this.mainPid]) },
    );
    this.readiness = watch;
    this.onCancel(() => watch.cancel());
    // The bus name watch lives as long as the run (Type=dbus): the end of the run ends it.
    this.onStopWatchesEnd(() => watch.end());
    watch.begin();
    for (const chunk of this.takeEarlyOutput()) watch.feedOutput(chunk);
    for (const payload of early) this.handleNotify(payload);
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

  /** What a Type=dbus run hears from its bus name watch once it is up. */
  private busNameCallbacks(current: () => boolean): Pick<ReadinessCallbacks, 'nameReleased' | 'busWatchLost'> {
    return {
      nameReleased: (busName) => current() && this.busNameReleased(busName),
      busWatchLost: (why) => this.ctx.emit({ type: 'service.error', at: Date.now(), name: this.name, message: `${why}; it keeps running, but a release of its bus name will not be seen` }),
    };
  }

  /** A main process that is not our child (adopted, or a forking daemon's): watched through /proc. */
  protected watchMainPid(pid: number, pollMs?: number): void {
    this.mainDone = new Latch();
    this.onStopWatchesEnd(whenPidDies(pid, () => pid === this.mainPid && this.onMainExit(null, null), pollMs));
  }

  /** Ready by its type: ExecStartPost= comes next, if any. */
  protected becomeReady(): void {
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

  protected ready(): void {
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
      this.onCancel(() => clearTimeout(timer));
    }
    this.readyWaiters.resolveAll();
  }

  protected onChildExit(child: ServerProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.output.end();
    const ignore = this.mainCommand?.ignoreFailure === true;
    if (this.def.type === 'oneshot' && this.stateValue === 'starting' && !this.stopping) {
      const ok = ignore || isCleanExit({ code, signal, timedOut: this.timedOut }, this.def.successExit);
      if (!ok) return this.onMainExit(code, signal);
      this.mainPid = null;
      this.pgid = null;
      this.mainDone?.open();
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
  protected onForkingLauncherExit(code: number | null, signal: NodeJS.Signals | null): void {
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
    this.onCancel(
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

  /**
   * Type=dbus: the name was released while running. systemd then no longer
   * counts the service as good and stops it with a successful result; here
   * the stop signal ends the main process, and the run ends as after any clean exit.
   */
  protected busNameReleased(busName: string): void {
    if (this.stateValue !== 'running' || this.stopping || this.windingDown) return;
    this.ctx.emit({ type: 'service.error', at: Date.now(), name: this.name, message: `its bus name ${busName} was released; stopping it, as systemd does` });
    this.boundary().signal(this.def.stopSignal);
  }

  /** ExecCondition= said "not now": the start succeeds without running anything, as in systemd. */
  protected skipStart(why: string): void {
    this.clearStartDeadline();
    this.cleanUpRun(false);
    this.wanted = false;
    this.setState('stopped', `start condition failed: ${why}`);
    this.readyWaiters.resolveAll();
  }

  protected acceptMainPid(pid: number, source: string): void {
    const refused = this.refusalOf(pid);
    if (!refused) {
      this.mainPid = pid;
      return;
    }
    this.ctx.emit({ type: 'service.error', at: Date.now(), name: this.name, message: refused.replace('MAINPID=', source) });
    // A start that names a foreign main process fails; a running service keeps its main pid.
    if (this.stateValue === 'starting') this.startTimedOut(new HearthError('ERR_PIDFILE', refused));
  }
}
