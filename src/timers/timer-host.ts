import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readJsonState } from '../state/index.js';
import { join } from 'node:path';
import type { HearthEvent, ServiceDefinition, ServiceStatus } from '../model/index.js';
import { DEFAULT_BACKOFF, DEFAULT_LOG, DEFAULT_RUNLEVELS, NO_NAMES, NO_RLIMITS, READY_AT_ONCE, formatDuration, formatTimestamp } from '../model/index.js';
import { applyUmask } from '../process/index.js';
import { stopProcesses, type ProcessTracking, type UnitTracking } from '../boundary/index.js';
import { definitionsEqual, serviceLaunch } from '../supervisor/index.js';
import { nextCronRun, parseCronSchedule, type CronSchedule, type CrontabJob } from '../schedule/index.js';
import type { Journal } from '../journal/index.js';
import { cronJobName } from '../config/index.js';
import { stateEvent } from '../model/index.js';

/**
 * hearthd's crond and anacron: native timers (services/NAME.toml with
 * `schedule` or `every`) and crontab lines. Each run is a one-shot process
 * started like a service (user, environment, limits, output to the journal);
 * its exit status and duration are logged, last runs survive restarts
 * (STATE_DIR/timers.json), and `persistent` timers catch up a missed run once.
 */

interface TimerJob {
  name: string;
  /** What it is, for list: the schedule text or "every 15min". */
  scheduleText: string;
  cron?: CronSchedule;
  everyMs?: number;
  def: ServiceDefinition;
  persistent: boolean;
  randomDelayMs: number;
  overlap: 'skip' | 'queue' | 'kill' | 'parallel';
  timeoutMs?: number;
  startService?: string;
  stdin?: string;
  source: string;
  description: string;
}

interface Run {
  child: ChildProcess;
  startedAt: number;
  timeout?: NodeJS.Timeout;
  /** Its cgroup below the timer's. */
  leaf: string;
}

interface RunState {
  timer?: NodeJS.Timeout;
  next: number | null;
  /** Runs in progress, oldest first (several only with overlap = "parallel", as cron runs them). */
  runs: Run[];
  queued: boolean;
  failures: number;
  last: ServiceStatus['lastRun'];
}

export interface TimerHostOptions {
  configDir: string;
  stateDir: string;
  journal: Journal;
  emit(e: HearthEvent): void;
  /** The current runlevel: native timers run only in their runlevels. */
  runlevel(): number | null;
  /** For `start = "SERVICE"` timers. */
  startService(name: string): Promise<void>;
  /** Which processes belong to which run (a cgroup per run where the host allows it). */
  tracking: ProcessTracking;
  now?: () => number;
}

/** setTimeout cannot wait longer than this (about 24.8 days); longer waits are re-armed. */
const MAX_WAIT = 2 ** 31 - 1;

export class TimerHost {
  private jobs = new Map<string, TimerJob>();
  private readonly state = new Map<string, RunState>();
  private readonly stateFile: string;
  private saved: Record<string, { at: number }>;
  private readonly now: () => number;
  private stopped = false;
  private runCounter = 0;

  constructor(private readonly options: TimerHostOptions) {
    this.now = options.now ?? Date.now;
    this.stateFile = join(options.stateDir, 'timers.json');
    this.saved = this.loadSaved();
  }

  has(name: string): boolean {
    return this.jobs.has(name);
  }

  names(): string[] {
    return [...this.jobs.keys()];
  }

  /** (Re)reads the timers: unchanged ones keep their schedule and any run in progress. */
  apply(timers: Iterable<ServiceDefinition>, cronJobs: CrontabJob[], firstTime: boolean): { added: string[]; changed: string[]; removed: string[]; unchanged: string[] } {
    const report = { added: [] as string[], changed: [] as string[], removed: [] as string[], unchanged: [] as string[] };
    const next = new Map<string, TimerJob>();
    for (const def of timers) next.set(def.name, fromDefinition(def));
    for (const job of cronJobs) {
      const j = fromCrontab(job);
      next.set(j.name, j);
    }
    for (const [name, st] of this.state) {
      if (!next.has(name)) {
        if (st.timer) clearTimeout(st.timer);
        this.state.delete(name);
        report.removed.push(name);
      }
    }
    for (const [name, job] of next) {
      const before = this.jobs.get(name);
      if (!before) report.added.push(name);
      else (before.scheduleText === job.scheduleText && definitionsEqual(before.def, job.def) ? report.unchanged : report.changed).push(name);
    }
    this.jobs = next;
    for (const job of next.values()) {
      const st = this.state.get(job.name) ?? { next: null, queued: false, failures: 0, last: null, runs: [] };
      this.state.set(job.name, st);
      if (st.timer) clearTimeout(st.timer);
      if (firstTime && job.cron?.reboot) this.run(job, '@reboot');
      else if (firstTime && job.persistent && this.missed(job)) this.arm(job, this.now() + Math.random() * job.randomDelayMs, 'missed while hearthd was down');
      else this.scheduleNext(job);
    }
    return report;
  }

  list(): ServiceStatus[] {
    return [...this.jobs.values()].map((job) => this.status(job));
  }

  detail(name: string): ServiceStatus | undefined {
    const job = this.jobs.get(name);
    return job && this.status(job);
  }

  /** `hearth start TIMER`: run it now, whatever the schedule says. */
  runNow(name: string): void {
    const job = this.jobs.get(name);
    if (job) this.run(job, 'started by hand');
  }

  /** `hearth stop TIMER`: end the run in progress, if any. */
  stopRun(name: string): void {
    const job = this.jobs.get(name);
    if (job) for (const run of this.state.get(name)?.runs ?? []) this.stopChild(job, run);
  }

  stop(): void {
    this.stopped = true;
    for (const [name, st] of this.state) {
      if (st.timer) clearTimeout(st.timer);
      const job = this.jobs.get(name);
      if (job) for (const run of st.runs) this.stopChild(job, run);
    }
  }

  // --- scheduling ------------------------------------------------------------

  private missed(job: TimerJob): boolean {
    const last = this.saved[job.name]?.at;
    if (last === undefined) return false;
    const due = this.nextAfter(job, last);
    return due !== null && due.at <= this.now();
  }

  /**
   * When the job is due next after a moment, and how many runs start then:
   * more than one only where cron catches up a fixed-time job over the
   * skipped minutes of a spring-forward clock change.
   */
  private nextAfter(job: TimerJob, after: number): { at: number; runs: number } | null {
    if (job.everyMs !== undefined) return { at: after + job.everyMs, runs: 1 };
    if (!job.cron || job.cron.reboot) return null;
    return nextCronRun(job.cron, after) ?? null;
  }

  private scheduleNext(job: TimerJob): void {
    const next = this.nextAfter(job, this.now());
    if (next === null) {
      this.state.get(job.name)!.next = null;
      return;
    }
    this.arm(job, next.at + Math.random() * job.randomDelayMs, undefined, next.runs);
  }

  private arm(job: TimerJob, at: number, why: string | undefined, runs = 1): void {
    const st = this.state.get(job.name)!;
    st.next = Math.round(at);
    const wait = Math.max(0, at - this.now());
    st.timer = setTimeout(() => {
      if (this.stopped || this.jobs.get(job.name) !== job) return;
      if (at - this.now() > 1000) return this.arm(job, at, why, runs); // a long wait, re-armed in pieces
      for (let i = 0; i < runs; i++) this.run(job, why);
      this.scheduleNext(job);
    }, Math.min(wait, MAX_WAIT));
    st.timer.unref();
  }

  // --- running ---------------------------------------------------------------

  private run(job: TimerJob, why: string | undefined): void {
    const st = this.state.get(job.name)!;
    const level = this.options.runlevel();
    if (job.def.runlevels.length && level !== null && !job.def.runlevels.includes(level)) return;
    const current = st.runs[0];
    if (current && job.overlap !== 'parallel') {
      if (job.overlap === 'skip') return this.emitRun({ type: 'timer.run', at: this.now(), name: job.name, change: 'skipped', runningSince: current.startedAt });
      if (job.overlap === 'queue') {
        st.queued = true;
        return;
      }
      this.emitRun({ type: 'timer.run', at: this.now(), name: job.name, change: 'replaced' });
      this.stopChild(job, current);
    }
    if (job.startService) {
      this.options.startService(job.startService).then(
        () => this.finished(job, this.now(), 0, null),
        (e: Error) => {
          this.emitRun({ type: 'timer.run', at: this.now(), name: job.name, change: 'failed', reason: `cannot start "${job.startService}": ${e.message}` });
          this.finished(job, this.now(), 1, null);
        },
      );
      return;
    }
    let child: ChildProcess;
    const startedAt = this.now();
    // Each run is a cgroup of its own below the timer's, so stopping an old run never touches a new one.
    const unit = this.unitOf(job);
    const leaf = `run-${++this.runCounter}`;
    try {
      unit.applyLimits(job.def.limits);
      const launch = serviceLaunch(job.def, this.options.configDir, { unit: { tracking: unit, leaf } });
      child = applyUmask(job.def.umask, () =>
        spawn(launch.file, launch.args, { cwd: launch.cwd, env: launch.env, detached: true, stdio: [job.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'] }),
      );
    } catch (e) {
      this.emitRun({ type: 'timer.run', at: this.now(), name: job.name, change: 'failed', reason: `cannot run: ${(e as Error).message}` });
      st.failures++;
      return;
    }
    const writer = this.options.journal.writer(job.name, job.def.log);
    child.stdout?.on('data', (c: Buffer) => writer.write('out', c));
    child.stderr?.on('data', (c: Buffer) => writer.write('err', c));
    if (job.stdin !== undefined) child.stdin?.end(job.stdin);
    child.stdin?.on('error', () => undefined);
    child.on('error', (e) => this.emitRun({ type: 'timer.run', at: this.now(), name: job.name, change: 'failed', reason: e.message }));
    const run: Run = { child, startedAt, leaf };
    if (job.timeoutMs !== undefined) {
      run.timeout = setTimeout(() => {
        this.emitRun({ type: 'timer.run', at: this.now(), name: job.name, change: 'timed-out', timeoutMs: job.timeoutMs! });
        this.stopChild(job, run);
      }, job.timeoutMs);
    }
    st.runs.push(run);
    if (st.runs.length === 1) this.emitState(job.name, 'waiting', 'running');
    this.emitRun({ type: 'timer.run', at: this.now(), name: job.name, change: 'started', pid: child.pid ?? null, ...(why ? { reason: why } : {}) });
    child.once('close', (code, signal) => {
      writer.end();
      unit.release(leaf);
      if (run.timeout) clearTimeout(run.timeout);
      st.runs = st.runs.filter((r) => r !== run);
      this.finished(job, startedAt, code, signal);
    });
  }

  private finished(job: TimerJob, startedAt: number, code: number | null, signal: string | null): void {
    const st = this.state.get(job.name);
    if (!st) return;
    const durationMs = this.now() - startedAt;
    st.last = { at: startedAt, durationMs, code, signal };
    if (code !== 0 || signal) st.failures++;
    this.saved[job.name] = { at: startedAt };
    this.saveState();
    if ((st.runs.length ?? 0) === 0) this.emitState(job.name, 'running', 'waiting');
    this.emitRun({ type: 'timer.run', at: this.now(), name: job.name, change: 'finished', code, signal, durationMs });
    if (st.queued) {
      st.queued = false;
      this.run(job, 'queued while the previous run ran');
    }
  }

  /** A run is stopped like any unit: its stop signal, then SIGKILL after its stop timeout. */
  private stopChild(job: TimerJob, run: Run): void {
    if (run.child.pid === undefined) return;
    const boundary = this.unitOf(job).boundary([run.child.pid], run.leaf);
    const { stopSignal, stopTimeoutMs } = job.def;
    void stopProcesses(boundary, {
      signal: stopSignal,
      timeoutMs: stopTimeoutMs,
      onEscalate: () => this.options.emit({ type: 'service.stop-escalated', at: this.now(), name: job.name, signal: stopSignal, timeoutMs: stopTimeoutMs }),
    }).done;
  }

  private status(job: TimerJob): ServiceStatus {
    const st = this.state.get(job.name);
    const running = st?.runs[0];
    return {
      name: job.name,
      description: job.description,
      kind: 'timer',
      state: running ? 'running' : 'waiting',
      detail: running ? `running since ${formatTimestamp(running.startedAt, { zone: true })}` : st?.next ? `next run ${formatTimestamp(st.next, { zone: true })}` : 'no next run',
      pid: running?.child.pid ?? null,
      startedAt: running?.startedAt ?? null,
      readyAt: null,
      restarts: 0,
      lastExit: st?.last ? { code: st.last.code, signal: st.last.signal, at: st.last.at + st.last.durationMs } : null,
      source: job.source,
      schedule: job.scheduleText,
      nextRun: st?.next ?? null,
      lastRun: st?.last ?? null,
      failures: st?.failures ?? 0,
    };
  }

  private emitState(name: string, from: 'running' | 'waiting', to: 'running' | 'waiting'): void {
    this.options.emit(stateEvent(name, from, to, null, undefined, this.now()));
  }

  private unitOf(job: TimerJob): UnitTracking {
    return this.options.tracking.unit('timer', job.name);
  }

  private emitRun(e: Extract<HearthEvent, { type: 'timer.run' }>): void {
    this.options.emit(e);
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.options.emit({ type: 'daemon.log', at: this.now(), level, message });
  }

  /** Last runs, for persistent timers' catch-up; a damaged file is set aside and reported. */
  private loadSaved(): Record<string, { at: number }> {
    const saved = readJsonState<Record<string, { at: number }>>(this.stateFile, (c) =>
      queueMicrotask(() =>
        this.options.emit({ type: 'state.corrupt', at: c.at, file: c.file, keptAs: c.keptAs, reason: c.reason, recovered: 'persistent timers do not catch up runs missed before now' }),
      ),
    );
    return saved && typeof saved === 'object' ? saved : {};
  }

  /** Last-run times, written atomically so a crash leaves the old file or the new one. */
  private saveState(): void {
    try {
      mkdirSync(this.options.stateDir, { recursive: true });
      writeFileSync(`${this.stateFile}.tmp`, JSON.stringify(this.saved));
      renameSync(`${this.stateFile}.tmp`, this.stateFile);
    } catch (e) {
      this.log('error', `cannot save timer state in "${this.stateFile}": ${(e as Error).message}`);
    }
  }
}

function fromDefinition(def: ServiceDefinition): TimerJob {
  const t = def.timer!;
  return {
    name: def.name,
    scheduleText: t.schedule ?? `every ${formatDuration(t.everyMs!)}`,
    ...(t.schedule ? { cron: parseCronSchedule(t.schedule) } : {}),
    ...(t.everyMs !== undefined ? { everyMs: t.everyMs } : {}),
    def,
    persistent: t.persistent,
    randomDelayMs: t.randomDelayMs,
    overlap: t.overlap,
    ...(t.timeoutMs !== undefined ? { timeoutMs: t.timeoutMs } : {}),
    ...(t.startService ? { startService: t.startService } : {}),
    source: def.origin.file,
    description: def.description,
  };
}

/** A crontab line becomes a timer named after its file and line: "cron.d-backup-4". */
function fromCrontab(job: CrontabJob): TimerJob {
  const name = cronJobName(job);
  const def: ServiceDefinition = {
    name,
    description: job.command,
    origin: { format: 'toml', file: job.file, line: job.line },
    // As cron runs them: through /bin/sh, as the line's (or the file's) user, with the crontab's variables.
    exec: [job.environment.SHELL ?? '/bin/sh', '-c', job.command],
    // Only root can become another user; a non-root hearthd runs every line as itself.
    ...(process.getuid?.() === 0 ? { user: job.user } : {}),
    environment: { SHELL: '/bin/sh', PATH: '/usr/bin:/bin', LOGNAME: job.user, ...job.environment },
    rlimits: NO_RLIMITS,
    type: 'simple',
    restart: 'never',
    backoff: DEFAULT_BACKOFF,
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 5000,
    reloadSignal: 'SIGHUP',
    ready: READY_AT_ONCE,
    startTimeoutMs: 30_000,
    listen: NO_NAMES,
    activation: 'start',
    runlevels: DEFAULT_RUNLEVELS,
    requires: NO_NAMES,
    after: NO_NAMES,
    before: NO_NAMES,
    provides: NO_NAMES,
    log: DEFAULT_LOG,
  };
  return {
    name,
    scheduleText: job.schedule.text,
    cron: job.schedule,
    def,
    persistent: false,
    randomDelayMs: 0,
    // cron starts every due run, whether or not the last one still runs.
    overlap: 'parallel',
    ...(job.stdin !== undefined ? { stdin: job.stdin } : {}),
    source: `${job.file}:${job.line}`,
    description: job.command,
  };
}
