/**
 * SysV init scripts as hearth services: started, stopped and asked for their
 * status the way the classic rc did, by running the script with an action.
 * Their state is what the last action or `status` said (LSB exit codes).
 */
import { HearthError } from '../errors/index.js';
import type { HearthEvent, ServiceState, ServiceStatus, SysvScript } from '../model/index.js';
import { runScript, type ScriptResult } from '../sysv/index.js';
import type { Journal } from '../journal/index.js';

const SCRIPT_TIMEOUT_MS = 90_000;

interface Unit {
  script: SysvScript;
  state: ServiceState;
  detail?: string;
  startedAt: number | null;
  running?: Promise<ScriptResult>;
}

export class SysvUnits {
  private readonly units = new Map<string, Unit>();

  constructor(
    private readonly emit: (e: HearthEvent) => void,
    private readonly journal: Journal,
  ) {}

  /** Replaces the set of scripts; states of scripts that stay are kept. */
  load(scripts: SysvScript[]): { added: string[]; removed: string[] } {
    const next = new Map(scripts.map((s) => [s.name, s]));
    const added = scripts.filter((s) => !this.units.has(s.name)).map((s) => s.name);
    const removed = [...this.units.keys()].filter((n) => !next.has(n));
    for (const n of removed) this.units.delete(n);
    for (const s of scripts) {
      const u = this.units.get(s.name);
      if (u) u.script = s;
      else this.units.set(s.name, { script: s, state: 'stopped', startedAt: null });
    }
    return { added, removed };
  }

  has(name: string): boolean {
    return this.units.has(name);
  }

  names(): string[] {
    return [...this.units.keys()];
  }

  script(name: string): SysvScript | undefined {
    return this.units.get(name)?.script;
  }

  scripts(): SysvScript[] {
    return [...this.units.values()].map((u) => u.script);
  }

  isRunning(name: string): boolean {
    return this.units.get(name)?.state === 'running';
  }

  list(): ServiceStatus[] {
    return [...this.units.values()].map((u) => this.toStatus(u));
  }

  /** Runs the script's `status` and maps its LSB exit code. */
  async status(name: string): Promise<ServiceStatus> {
    const u = this.get(name);
    const r = await this.run(u, 'status');
    const state: ServiceState = r.code === 0 ? 'running' : r.code === 1 || r.code === 2 ? 'failed' : r.code === 3 ? 'stopped' : u.state;
    this.setState(u, state, r.output.trim().split('\n').pop());
    return this.toStatus(u);
  }

  async act(name: string, action: 'start' | 'stop' | 'restart' | 'reload' | 'condrestart'): Promise<ServiceState> {
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

  private get(name: string): Unit {
    const u = this.units.get(name);
    if (!u) throw new HearthError('ERR_UNKNOWN_SERVICE', `unknown service "${name}"`);
    return u;
  }

  private async run(u: Unit, action: string): Promise<ScriptResult> {
    const r = await runScript(u.script.file, action, {
      timeoutMs: SCRIPT_TIMEOUT_MS,
      onOutput: (chunk, stream) => this.journal.writer(u.script.name).write(stream === 'stdout' ? 'out' : 'err', chunk),
    });
    this.journal.writer(u.script.name).end();
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
