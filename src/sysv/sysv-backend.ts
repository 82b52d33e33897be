/**
 * SysV init scripts as units: started, stopped and asked for their status
 * the way the classic rc did, by running the script with an action. Their
 * state is what the last action or `status` said (LSB exit codes).
 */
import { HearthError } from '../errors/index.js';
import { isUpState, type HearthEvent, type ServiceState, type ServiceStatus, type SysvScript } from '../model/index.js';
import type { LoadedConfig } from '../config/index.js';
import type { Journal } from '../journal/index.js';
import { sysvEnablementUnit, sysvOrderUnit } from '../runlevels/index.js';
import type { ApplyReport, RunlevelUnit, UnitAction, UnitBackend, UnitDetail } from '../units/index.js';
import { runScript, type ScriptResult } from './run-script.js';

const SCRIPT_TIMEOUT_MS = 90_000;

interface Unit {
  script: SysvScript;
  state: ServiceState;
  detail?: string;
  startedAt: number | null;
}

export class SysvBackend implements UnitBackend {
  readonly kind = 'sysv';
  private readonly units = new Map<string, Unit>();

  constructor(
    private readonly emit: (e: HearthEvent) => void,
    private readonly journal: Journal,
  ) {}

  /** Replaces the set of scripts; states of scripts that stay are kept. */
  async apply(config: LoadedConfig): Promise<ApplyReport> {
    const scripts = config.sysv.scripts;
    const next = new Map(scripts.map((s) => [s.name, s]));
    const report: ApplyReport = { added: [], changed: [], removed: [], unchanged: [] };
    for (const n of [...this.units.keys()]) {
      if (next.has(n)) continue;
      this.units.delete(n);
      report.removed.push(n);
    }
    for (const s of scripts) {
      const u = this.units.get(s.name);
      if (!u) {
        this.units.set(s.name, { script: s, state: 'stopped', startedAt: null });
        report.added.push(s.name);
        continue;
      }
      // A script is run afresh for every action: a new text takes effect with the next one.
      (u.script.file === s.file && u.script.summary === s.summary ? report.unchanged : report.changed).push(s.name);
      u.script = s;
    }
    return report;
  }

  has(name: string): boolean {
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
    const state: ServiceState = r.code === 0 ? 'running' : r.code === 1 || r.code === 2 ? 'failed' : r.code === 3 ? 'stopped' : u.state;
    this.setState(u, state, r.output.trim().split('\n').pop());
    return this.toStatus(u);
  }

  async act(name: string, action: UnitAction): Promise<ServiceState> {
    const u = this.get(name);
    if (action === 'start') this.setState(u, 'starting');
    if (action === 'stop') this.setState(u, 'stopping');
    const r = await this.run(u, action);
    if (!r.ok) {
      this.setState(u, action === 'stop' ? u.state : 'failed', describeResult(r));
      throw new HearthError('ERR_SPAWN', `"${u.script.file} ${action}" failed: ${describeResult(r)}`);
    }
    if (action === 'start' || action === 'restart') {
      u.startedAt = Date.now();
      this.setState(u, 'running');
    } else if (action === 'stop') {
      u.startedAt = null;
      this.setState(u, 'stopped');
    }
    return u.state;
  }

  runlevelUnit(name: string): RunlevelUnit | undefined {
    const u = this.units.get(name);
    return u && { order: sysvOrderUnit(u.script), enable: sysvEnablementUnit(u.script) };
  }

  async shutdown(): Promise<void> {
    // The runlevel switch to 0 has run every script's stop in order; nothing else is held.
  }

  private get(name: string): Unit {
    const u = this.units.get(name);
    if (!u) throw new HearthError('ERR_UNKNOWN_SERVICE', `unknown service "${name}"`);
    return u;
  }

  private async run(u: Unit, action: string): Promise<ScriptResult> {
    const writer = this.journal.writer(u.script.name);
    const r = await runScript(u.script.file, action, {
      timeoutMs: SCRIPT_TIMEOUT_MS,
      onOutput: (chunk, stream) => writer.write(stream === 'stdout' ? 'out' : 'err', chunk),
    });
    writer.end();
    return r;
  }

  private setState(u: Unit, to: ServiceState, detail?: string): void {
    const from = u.state;
    u.state = to;
    u.detail = detail;
    if (from !== to) this.emit({ type: 'service.state', at: Date.now(), name: u.script.name, from, to, pid: null, ...(detail ? { detail } : {}) });
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
      restarts: 0,
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
