import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import type { WorkerOutput } from '../spool/index.js';
import { readProcStat } from '../process/index.js';
import { pausePipes, type LogSink } from './service-output.js';
import { LineMatcher } from './readiness.js';
import { ProcessGroupBoundary, stopProcesses } from '../boundary/index.js';

export type WorkerState = 'starting' | 'ready' | 'stopping';

/** A worker as `hearth status` and the GUI show it. */
export interface WorkerView {
  pid: number;
  generation: number;
  state: 'starting' | 'ready' | 'stopping';
  idle: boolean;
  startedAt: number;
  readyAt: number | null;
  ageMs: number;
}


export interface WorkerLaunch {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Full stdio array: fds 0–2 and the sockets. */
  stdio: Array<'ignore' | 'pipe' | number>;
  umask: <T>(fn: () => T) => T;
}

export interface WorkerEvents {
  onReady(worker: PoolWorker): void;
  onExit(worker: PoolWorker, code: number | null, signal: NodeJS.Signals | null): void;
}

/** Where a worker's output goes when the spool helper runs: its own pipes and spool. */
export interface WorkerSpool {
  open(): WorkerOutput;
}

/**
 * One process of a pool. Its output goes to the pool's journal a whole line
 * at a time, so lines of different workers never splice into each other; a
 * `ready = "log:…"` pattern is matched against this worker's own output.
 * With a spool, the worker writes into pipes of its own that the spool helper
 * drains, so its output outlives hearthd; without, hearthd reads plain pipes.
 */
export class PoolWorker {
  state: WorkerState = 'starting';
  readonly pid: number;
  readonly startedAt = Date.now();
  readyAt: number | null = null;
  /** CPU ticks at the last scaling sample, to tell busy workers from idle ones. */
  lastCpuTicks = -1;
  idle = false;
  private readonly child: ChildProcess;
  private readonly partial: Record<'out' | 'err', Buffer> = { out: Buffer.alloc(0), err: Buffer.alloc(0) };
  private matcher: LineMatcher | undefined;
  private exited = false;
  private stopDone: Promise<void> | undefined;
  private readonly readiness: Promise<void>;
  private settleReady!: { resolve(): void; reject(e: Error): void };

  constructor(
    readonly generation: number,
    launch: WorkerLaunch,
    private readonly sink: LogSink,
    readyPattern: RegExp | undefined,
    private readonly events: WorkerEvents,
    spool?: WorkerSpool,
  ) {
    this.readiness = new Promise<void>((resolve, reject) => (this.settleReady = { resolve, reject }));
    // Nobody may be waiting (a plain replacement); an early exit is then reported through onExit alone.
    this.readiness.catch(() => undefined);
    let spooled: WorkerOutput | undefined;
    try {
      spooled = spool?.open();
    } catch {
      spooled = undefined; // no pipes could be made: plain pipes, read by hearthd
    }
    const stdio = spooled ? [launch.stdio[0]!, ...spooled.fds, ...launch.stdio.slice(3)] : launch.stdio;
    try {
      this.child = launch.umask(() => spawn(launch.file, launch.args, { cwd: launch.cwd, env: launch.env, detached: true, stdio }));
    } finally {
      for (const fd of spooled?.fds ?? []) closeSync(fd);
    }
    if (this.child.pid === undefined) {
      // spawn() failed synchronously enough to have no pid: report it as an exit.
      this.pid = 0;
      this.child.once('error', () => this.exit(127, null));
      return;
    }
    this.pid = this.child.pid;
    this.matcher = readyPattern ? new LineMatcher(readyPattern) : undefined;
    spooled?.output.listen((_stream, chunk) => this.watchReadiness(chunk));
    this.child.stdout?.on('data', (chunk: Buffer) => this.output('out', chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => this.output('err', chunk));
    // Plain pipes (no spool): paused while the journal holds the pool's output (the spool pauses itself).
    const detach = pausePipes(this.sink, [this.child.stdout, this.child.stderr]);
    this.child.once('close', detach);
    this.child.on('error', () => undefined);
    this.child.once('exit', (code, signal) => this.exit(code, signal));
  }

  view(now: number): WorkerView {
    return { pid: this.pid, generation: this.generation, state: this.state, idle: this.idle, startedAt: this.startedAt, readyAt: this.readyAt, ageMs: now - this.startedAt };
  }

  /** Did it use no CPU since the last sample? A worker seen for the first time counts as idle, not busy with its start-up. */
  sampleIdle(): boolean {
    const stat = readProcStat(this.pid);
    const ticks = stat ? stat.utimeTicks + stat.stimeTicks : -1;
    this.idle = this.lastCpuTicks === -1 || ticks === this.lastCpuTicks;
    this.lastCpuTicks = ticks;
    return this.idle;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Resolves when the worker is ready; rejects if it exits or is stopped first. */
  whenReady(): Promise<void> {
    return this.readiness;
  }

  markReady(): void {
    if (this.state !== 'starting') return;
    this.state = 'ready';
    this.readyAt = Date.now();
    this.settleReady.resolve();
    this.events.onReady(this);
  }

  /** Graceful stop: stopSignal to the worker's group, SIGKILL after timeoutMs; resolves when the group is empty. */
  stop(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    if (this.stopDone) return this.stopDone;
    this.state = 'stopping';
    this.settleReady.reject(new Error(`worker ${this.pid} was stopped before it was ready`));
    if (this.pid === 0) return (this.stopDone = Promise.resolve());
    const stop = stopProcesses(new ProcessGroupBoundary([this.pid]), { signal, timeoutMs });
    // Done once the group is empty and the worker's own exit has been seen (so its status is known).
    const exited = this.exited ? Promise.resolve() : new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.stopDone = Promise.all([stop.done, exited]).then(() => undefined);
    return this.stopDone;
  }

  kill(): void {
    if (this.pid !== 0) new ProcessGroupBoundary([this.pid]).kill();
  }

  private output(stream: 'out' | 'err', chunk: Buffer): void {
    const data = this.partial[stream].length ? Buffer.concat([this.partial[stream], chunk]) : chunk;
    const nl = data.lastIndexOf(10);
    if (nl < 0) {
      this.partial[stream] = data;
    } else {
      this.sink.write(stream, data.subarray(0, nl + 1));
      this.partial[stream] = Buffer.from(data.subarray(nl + 1));
    }
    this.watchReadiness(chunk);
  }

  private watchReadiness(chunk: Buffer): void {
    if (this.matcher && this.state === 'starting' && this.matcher.feed(chunk)) {
      this.matcher = undefined;
      this.markReady();
    }
  }

  private exit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exited) return;
    this.exited = true;
    this.settleReady.reject(new Error(`worker ${this.pid} ${code !== null ? `exited with code ${code}` : `was killed by ${signal}`} before it was ready`));
    // A last line without its newline still belongs in the journal.
    for (const stream of ['out', 'err'] as const) {
      if (this.partial[stream].length) this.sink.write(stream, Buffer.concat([this.partial[stream], Buffer.from('\n')]));
    }
    this.events.onExit(this, code, signal);
  }
}
