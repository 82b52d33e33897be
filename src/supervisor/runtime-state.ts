import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonState, type CorruptionReporter } from '../state/index.js';

/**
 * What a crashed hearthd needs to adopt a service instead of starting it a
 * second time: its pid, the pid's start time (a pid alone may have been
 * recycled), and the counters people look at. One small file per service in
 * the runtime dir, replaced atomically on every change, so a kill -9 at any
 * instant leaves either the old record or the new one.
 */
export interface RuntimeRecord {
  pid: number | null;
  pgid: number | null;
  /** /proc/PID/stat field 22: with pid, the identity of the process. */
  startTime: number | null;
  startedAt: number | null;
  readyAt: number | null;
  restarts: number;
  /** The operator's intent: false after `hearth stop`, so a recovering hearthd leaves it stopped. */
  wanted: boolean;
  /** Fingerprint of the definition the process was started with. */
  defHash?: string;
  /** Written just before spawn: a record with spawning and no pid means "look for it". */
  spawning?: boolean;
  /** A pool's workers, each identified by pid and start time. */
  workers?: Array<{ pid: number; startTime: number | null }>;
}

export class RuntimeStateStore {
  constructor(
    readonly dir: string,
    private readonly report: CorruptionReporter = () => undefined,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private path(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  save(name: string, record: RuntimeRecord): void {
    this.saveText(name, JSON.stringify(record));
  }

  /** A record already serialized (JSON of a RuntimeRecord). */
  saveText(name: string, text: string): void {
    const path = this.path(name);
    const tmp = `${path}.tmp`;
    try {
      writeFileSync(tmp, text);
      renameSync(tmp, path);
    } catch {
      // A full or read-only runtime dir costs crash recovery, never the service.
    }
  }

  load(name: string): RuntimeRecord | undefined {
    // A damaged record costs the adoption of that one service (its cgroup still finds its processes).
    const r = readJsonState<RuntimeRecord>(this.path(name), this.report);
    return r && typeof r === 'object' && 'wanted' in r ? r : undefined;
  }

  remove(name: string): void {
    rmSync(this.path(name), { force: true });
  }

  names(): string[] {
    return recordNames(this.dir);
  }

  clear(): void {
    for (const n of this.names()) this.remove(n);
  }
}

/** The services with a record in dir (none when it is missing): read without making the store, which would create dir. */
export function recordNames(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5));
  } catch {
    return [];
  }
}
