/**
 * SysV init scripts as units: started, stopped and asked for their status
 * the way the classic rc did, by running the script with an action. Their
 * state is what the last action said, kept true afterwards by asking the
 * script's LSB `status` now and then (a daemon killed behind hearth's back
 * shows as failed, and is restarted when its X-Hearth-Restart asks for it).
 */
import { constants } from 'node:os';
import { HearthError } from '../errors/index.js';
import { isUpState, type HearthEvent, type ServiceState, type ServiceStatus, type SysvScript, stateEvent } from '../model/index.js';
import type { LoadedConfig } from '../config/index.js';
import type { Journal } from '../journal/index.js';
import type { ProcessBoundary, ProcessTracking } from '../boundary/index.js';
import { statusAllStateOf, sysvEnablementUnit, sysvOrderUnit } from '../runlevels/index.js';
import type { ApplyReport, PassThroughResult, RunlevelUnit, UnitAction, UnitBackend, UnitDetail } from '../units/index.js';
import { runScript, type ScriptResult } from './run-script.js';
import { StatusWatcher } from './status-watch.js';
import { RestartPolicy } from './restart-policy.js';

const SCRIPT_TIMEOUT_MS = 90_000;
const STATUS_TIMEOUT_MS = 15_000;
export const DEFAULT_STATUS_INTERVAL_MS = 10_000;

interface Unit {
  script: SysvScript;
  state: ServiceState;
  detail?: string;
  startedAt: number | null;
  /** Actions in progress: the watcher leaves the unit alone meanwhile. */
  busy: number;
  restarts: RestartPolicy;
  /** The script has no usable `status` action: its state stays what the last action said. */
  noStatus: boolean;
  stopWatchingProcesses?: () => void;
}

export interface SysvBackendOptions {
  /**
   * hearthd's runtime dir, given to every script as HEARTH_RUNTIME_DIR: a
   * script that keeps a pidfile there never meets the pidfile of a script of
   * the same name run by another hearthd on the machine.
   */
  runtimeDir?: string;
  /**
   * The processes a started script left behind (a cgroup where hearthd has
   * one). When given, the unit is checked at once when it empties, instead of
   * waiting for the next periodic status.
   */
  boundaryOf?: (name: string, scriptPid: number | undefined) => ProcessBoundary | undefined;
  /** Limits of the periodic status checks. */
  watch?: { maxConcurrent?: number; maxPerSecond?: number };
  /** Puts each script, and the daemon it starts, in the unit's cgroup where the host allows it. */
  tracking?: ProcessTracking;
}

export class SysvBackend implements UnitBackend {
  readonly kind = 'sysv';
  private readonly units = new Map<string, Unit>();
  private readonly watcher: StatusWatcher;

  constructor(
    private readonly emit: (e: HearthEvent) => void,
    private readonly journal: Journal,
    private readonly options: SysvBackendOptions = {},
  ) {
    this.watcher = new StatusWatcher((name) => this.checkStatus(name), options.watch);
  }

  /** Replaces the set of scripts; states of scripts that stay are kept. */
  async apply(config: LoadedConfig): Promise<ApplyReport> {
    const scripts = config.sysv.scripts;
    const next = new Map(scripts.map((s) => [s.name, s]));
    const report: ApplyReport = { added: [], changed: [], removed: [], unchanged: [] };
    for (const n of [...this.units.keys()]) {
      if (next.has(n)) continue;
      this.unwatch(this.units.get(n)!);
      this.units.delete(n);
      report.removed.push(n);
    }
    for (const s of scripts) {
      const u = this.units.get(s.name);
      if (!u) {
        this.units.set(s.name, { script: s, state: 'stopped', startedAt: null, busy: 0, restarts: new RestartPolicy(), noStatus: false });
        report.added.push(s.name);
        continue;
      }
      // A script is run afresh for every action: a new text takes effect with the next one.
      (u.script.file === s.file && u.script.summary === s.summary ? report.unchanged : report.changed).push(s.name);
      u.script = s;
      if (this.watcher.isWatched(s.name)) this.watch(u);
    }
    return report;
  }

  has(name: string): boolean {
    return this.units.has(name);
  }

  lists(name: string): boolean {
    return this.units.has(name);
  }

  names(): string[] {
    return [...this.units.keys()];
  }

  scripts(): SysvScript[] {
    return [...this.units.values()].map((u) => u.script);
  }

  isUp(name: string): boolean {
    const u = this.units.get(name);
    return u !== undefined && isUpState(u.state);
  }

  list(): ServiceStatus[] {
    return [...this.units.values()].map((u) => this.toStatus(u));
  }

  /** Runs the script's `status` and maps its LSB exit code. */
  async detail(name: string): Promise<UnitDetail | undefined> {
    const u = this.units.get(name);
    if (!u) return undefined;
    const r = await this.run(u, 'status');
    this.noteStatus(u, r, false);
    return this.toStatus(u);
  }

  async act(name: string, action: UnitAction): Promise<ServiceState> {
    const u = this.get(name);
    const r = await this.perform(u, action, []);
    if (!r.ok) throw new HearthError('ERR_SPAWN', `"${u.script.file} ${action}" failed: ${describeResult(r)}`);
    return u.state;
  }

  /** service(8): any action the script knows, its own output and exit status. */
  async passThrough(name: string, action: string, args: readonly string[]): Promise<PassThroughResult> {
    const u = this.get(name);
    const r = await this.perform(u, action, args);
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.code ?? (r.timedOut ? 1 : 128 + signalNumber(r.signal)) };
  }

  runlevelUnit(name: string): RunlevelUnit | undefined {
    const u = this.units.get(name);
    return u && { order: sysvOrderUnit(u.script), enable: sysvEnablementUnit(u.script) };
  }

  async shutdown(): Promise<void> {
    // The runlevel switch to 0 has run every script's stop in order; nothing else is held.
    this.watcher.close();
    for (const u of this.units.values()) u.stopWatchingProcesses?.();
  }

  private get(name: string): Unit {
    const u = this.units.get(name);
    if (!u) throw new HearthError('ERR_UNKNOWN_SERVICE', `unknown service "${name}"`);
    return u;
  }

  /** Runs an action and updates the state the way its LSB meaning says. */
  private async perform(u: Unit, action: string, args: readonly string[]): Promise<ScriptResult> {
    if (action === 'start') this.setState(u, 'starting');
    if (action === 'stop') {
      this.setState(u, 'stopping');
      u.restarts.stopped();
      this.unwatch(u);
    }
    u.busy++;
    let r: ScriptResult;
    try {
      r = await this.run(u, action, args);
    } finally {
      u.busy--;
    }
    if (action === 'status') {
      this.noteStatus(u, r, false);
      return r;
    }
    if (!r.ok) {
      if (action === 'start' || action === 'restart') this.setState(u, 'failed', describeResult(r));
      else if (action === 'stop') this.setState(u, isUpState(u.state) ? 'running' : u.state, describeResult(r));
      return r;
    }
    if (action === 'start' || action === 'restart') {
      u.startedAt = Date.now();
      this.setState(u, 'running');
      this.watch(u, r);
    } else if (action === 'stop') {
      u.startedAt = null;
      this.setState(u, 'stopped');
    }
    return r;
  }

  /** Periodic check of a running unit: a dead daemon makes it failed, then the restart policy decides. */
  private async checkStatus(name: string): Promise<void> {
    const u = this.units.get(name);
    if (!u || u.busy > 0 || u.state !== 'running') return;
    const r = await this.run(u, 'status', [], STATUS_TIMEOUT_MS, false);
    if (u.busy > 0 || u.state !== 'running') return;
    this.noteStatus(u, r, true);
  }

  private noteStatus(u: Unit, r: ScriptResult, periodic: boolean): void {
    if (r.timedOut || statusAllStateOf(r.code, r.output) === 'unknown' || r.code === 4) {
      // No usable status action (Debian's mountall.sh prints its usage): the last action's word stands.
      if (statusAllStateOf(r.code, r.output) === 'unknown') {
        u.noStatus = true;
        this.unwatch(u);
      }
      return;
    }
    const line = r.output.trim().split('\n').pop() ?? '';
    if (r.code === 0) {
      if (u.state !== 'running') {
        u.startedAt ??= Date.now();
        this.setState(u, 'running', line || undefined);
        this.watch(u);
      }
      return;
    }
    const wasRunning = u.state === 'running';
    // 1: dead with a pidfile, 2: dead with a lock file — a crash; 3 after a start hearth made: died too.
    const died = r.code === 1 || r.code === 2 || (wasRunning && r.code === 3);
    this.setState(u, died ? 'failed' : 'stopped', line || undefined);
    this.unwatch(u);
    if (died && periodic) this.maybeRestart(u);
  }

  private maybeRestart(u: Unit): void {
    const policy = u.script.restart ?? 'never';
    if (policy === 'never') return;
    const delay = u.restarts.next();
    if (delay === undefined) {
      this.setState(u, 'failed', `${u.detail ?? 'died'}; restart limit reached`);
      return;
    }
    this.setState(u, 'backoff', `restart in ${delay}ms`);
    const timer = setTimeout(() => {
      if (u.state !== 'backoff' || !this.units.has(u.script.name)) return;
      void this.perform(u, 'start', []).catch(() => undefined);
    }, delay);
    timer.unref();
  }

  private watch(u: Unit, started?: ScriptResult): void {
    const interval = u.script.statusIntervalMs === undefined ? DEFAULT_STATUS_INTERVAL_MS : u.script.statusIntervalMs;
    if (interval === null || u.noStatus) return;
    this.watcher.watch(u.script.name, interval);
    if (started && this.options.boundaryOf && !u.stopWatchingProcesses) {
      const boundary = this.options.boundaryOf(u.script.name, started.pid);
      u.stopWatchingProcesses = boundary?.whenEmpty(() => {
        u.stopWatchingProcesses = undefined;
        this.watcher.checkSoon(u.script.name);
      });
    }
  }

  private unwatch(u: Unit): void {
    this.watcher.unwatch(u.script.name);
    u.stopWatchingProcesses?.();
    u.stopWatchingProcesses = undefined;
  }

  private async run(u: Unit, action: string, args: readonly string[] = [], timeoutMs = SCRIPT_TIMEOUT_MS, journal = true): Promise<ScriptResult> {
    const writer = journal ? this.journal.writer(u.script.name) : undefined;
    try {
      const prefix = this.options.tracking?.unit('sysv', u.script.name).joinPrefix();
      return await runScript(u.script.file, action, {
        timeoutMs,
        args,
        ...(this.options.runtimeDir !== undefined ? { env: { HEARTH_RUNTIME_DIR: this.options.runtimeDir } } : {}),
        ...(prefix ? { prefix } : {}),
        ...(writer ? { onOutput: (chunk: string, stream: 'stdout' | 'stderr') => writer.write(stream === 'stdout' ? 'out' : 'err', chunk) } : {}),
      });
    } finally {
      writer?.end();
    }
  }

  private setState(u: Unit, to: ServiceState, detail?: string): void {
    const from = u.state;
    u.state = to;
    u.detail = detail;
    if (from !== to) this.emit(stateEvent(u.script.name, from, to, null, detail));
  }

  private toStatus(u: Unit): ServiceStatus {
    return {
      name: u.script.name,
      description: u.script.summary,
      kind: 'sysv',
      state: u.state,
      ...(u.detail ? { detail: u.detail } : {}),
      pid: null,
      startedAt: u.startedAt,
      readyAt: u.startedAt,
      restarts: u.restarts.count,
      lastExit: null,
      source: u.script.file,
    };
  }
}

function describeResult(r: ScriptResult): string {
  if (r.timedOut) return 'timed out';
  const last = r.output.trim().split('\n').pop() ?? '';
  return `${r.signal ? `killed by ${r.signal}` : `exit ${r.code}`}${last ? `: ${last}` : ''}`;
}

/** A shell's convention for a command killed by a signal: 128 + its number. */
function signalNumber(signal: NodeJS.Signals | null): number {
  return (signal ? constants.signals[signal] : undefined) ?? 0;
}
