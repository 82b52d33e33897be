import { HearthError, describeError } from '../errors/index.js';
import { formatDuration, isRunningState } from '../model/index.js';
import { isCleanExit, type ExitFacts } from './restart-policy.js';
import { stopProcesses } from '../boundary/index.js';
import { describeExit } from '../events/index.js';
import type { CommandOutcome } from './service-commands.js';
import { exitVariables, settleWithin } from './run-steps.js';
import { ServiceRunnerBase } from './service-runner-base.js';

/**
 * The end of a run: the operator's stop (ExecStop=, the one stop path,
 * ExecStopPost=), an end nobody asked for (the main process exited, a start
 * step failed, a oneshot finished) and what the restart policy then decides.
 * Each asynchronous step checks `generation`: a newer start or stop makes it
 * give up.
 */
export abstract class ServiceEnding extends ServiceRunnerBase {
  /** Starts a run (directories, ExecCondition=, ExecStartPre=, the main process). */
  protected abstract beginStart(): void;
  /** Starts now, or arms the listeners of an on-demand service. */
  protected abstract launchOrArm(): void;

  /**
   * Resolves once no process of the service is left. `replacing` is a stop on
   * the way to a new definition (reload): the operator's intent to run it
   * stays recorded, so a hearthd killed in between starts it again.
   */
  stop(options: { replacing?: boolean } = {}): Promise<void> {
    this.wanted = false;
    this.replacing = options.replacing === true;
    this.cancelPending();
    // Only when someone waits: an error's stack costs tens of microseconds, 0.2 s of a 10,000-service shutdown.
    if (this.readyWaiters.pending) this.rejectReady(new HearthError('ERR_SPAWN', `"${this.name}" was stopped before it became ready`));
    if (this.stopping || this.windingDown) return this.stopWaiters.wait();
    const holds = this.remaining || this.control !== undefined || this.mainPid !== null || this.pgid !== null || this.spawning !== undefined;
    if (!isRunningState(this.stateValue) || !holds) {
      this.clearStartDeadline();
      if (this.stateValue !== 'stopped') this.setState('stopped');
      return Promise.resolve();
    }
    const done = this.stopWaiters.wait();
    void this.beginStop();
    return done;
  }

  protected onMainExit(code: number | null, signal: NodeJS.Signals | null, error?: HearthError): void {
    const now = Date.now();
    const pid = this.mainPid ?? this.pgid ?? 0;
    const ranForMs = this.startedAt === null ? 0 : now - this.startedAt;
    const oomKilled = this.unit.oomKills() > this.oomKillsAtStart;
    this.lastExit = { code, signal, at: now, ...(oomKilled ? { reason: 'oom-killed' as const } : {}) };
    this.ctx.emit({ type: 'service.exit', at: now, name: this.name, pid, code, signal, ...(oomKilled ? { reason: 'oom-killed' as const } : {}) });
    const wasRunning = this.stateValue === 'running';
    this.mainPid = null;
    this.mainDone?.open();
    // An operator's stop carries on by itself; the exit is what it waited for.
    if (this.stopping) return;
    this.cancelPending();
    const exit: ExitFacts = { code, signal, timedOut: this.timedOut || error !== undefined };
    const why = error?.message ?? (oomKilled ? `out of memory: killed by the kernel (memory_max)` : this.timedOut && this.detail ? this.detail : describeExit(code, signal));
    if (this.stateValue === 'starting') this.rejectReady(new HearthError('ERR_SPAWN', `"${this.name}" ${this.def.type === 'oneshot' ? 'failed' : 'exited before it was ready'}: ${why}`));
    void this.windDown(exit, why, ranForMs, wasRunning);
  }

  /** A start step failed: its exit stands for the run's, and the run ends as after a crash. */
  protected failRun(r: CommandOutcome, fallback: string, runStop: boolean): void {
    const why = this.timedOut && this.detail ? this.detail : (r.why ?? fallback);
    this.ctx.emit({ type: 'service.error', at: Date.now(), name: this.name, message: why });
    this.rejectReady(new HearthError('ERR_SPAWN', `"${this.name}" failed to start: ${why}`));
    void this.windDown({ code: r.code ?? 1, signal: r.signal, timedOut: this.timedOut }, why, this.startedAt === null ? 0 : Date.now() - this.startedAt, runStop);
  }

  /**
   * The end of a run that nobody asked for (the main process exited, a start
   * step failed, a oneshot finished): ExecStop= if it had come up, whatever
   * is left through the one stop path, ExecStopPost=, clean-up; then the
   * restart policy decides.
   */
  protected async windDown(exit: ExitFacts, why: string | undefined, ranForMs: number, runStop: boolean): Promise<void> {
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
  protected afterExit(exit: ExitFacts, why: string | undefined, ranForMs: number): void {
    this.endStopWatches();
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

  protected startFailed(e: unknown): void {
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

  protected retryAfter(ms: number, resetTracker: boolean): void {
    const timer = setTimeout(() => {
      if (!this.wanted) return;
      if (resetTracker) this.tracker.reset();
      this.restarts++;
      this.beginStart();
    }, ms);
    this.onCancel(() => clearTimeout(timer));
  }

  /** The operator's stop: ExecStop= (if it had come up), the stop signal to what is left, ExecStopPost=. */
  protected async beginStop(): Promise<void> {
    const gen = ++this.generation;
    this.stopping = true;
    this.clearStartDeadline();
    this.control?.cancel();
    this.setState('stopping');
    // A main process the helper is still starting is stopped like the rest once its pid is known.
    if (this.spawning) await this.spawning;
    if (gen !== this.generation) return;
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
  protected stopWhatIsLeft(waitForMain: boolean): Promise<void> {
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
    this.onStopWatchesEnd(stop.cancel);
    const main = waitForMain && this.mainPid !== null ? (this.mainDone?.wait() ?? Promise.resolve()) : Promise.resolve();
    const done = Promise.all([stop.done, main]).then(() => undefined);
    if (keepGoing) return done;
    return settleWithin(done, this.def.stopTimeoutMs).then(() => stop.cancel());
  }

  protected finishStop(): void {
    this.endStopWatches();
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
}
