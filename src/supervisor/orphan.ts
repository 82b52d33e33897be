import type { HearthEvent, ServiceStatus } from '../model/index.js';
import { stopProcesses, whenPidDies, type UnitTracking } from '../boundary/index.js';
import type { RuntimeRecord } from './runtime-state.js';
import { stateEvent } from '../model/index.js';

/** How long an orphan gets to end on SIGTERM: it has no stop_timeout of its own any more. */
const ORPHAN_STOP_TIMEOUT_MS = 10_000;

/**
 * A process a previous hearthd started for a service whose definition is now
 * missing or broken. It is never forgotten (it would vanish from `hearth list`
 * and run twice once the file came back) nor killed on sight: it is shown as
 * `orphaned` and can be stopped, and when its definition returns the
 * supervisor adopts it into a normal runner.
 */
export class Orphan {
  private state: 'orphaned' | 'stopping' = 'orphaned';
  private cancelWatch: () => void = () => undefined;

  constructor(
    readonly name: string,
    readonly record: RuntimeRecord,
    private readonly unit: UnitTracking,
    private readonly emit: (e: HearthEvent) => void,
    /** Called once nothing of it is left (it ended, or was stopped). */
    private readonly gone: () => void,
  ) {
    if (record.pid !== null) {
      this.cancelWatch = whenPidDies(record.pid, () => {
        if (this.unit.populated() !== true) this.finish();
      });
    } else {
      // Known only by its cgroup: done when the cgroup is empty.
      const timer = setInterval(() => this.unit.populated() !== true && this.finish(), 1000);
      timer.unref();
      this.cancelWatch = () => clearInterval(timer);
    }
  }

  /** Is anything of it still running: its main pid, or (with cgroups) any process of its unit. */
  static alive(record: RuntimeRecord | undefined, unit: UnitTracking, mainAlive: boolean): boolean {
    return mainAlive || (record !== undefined && unit.populated() === true);
  }

  snapshot(file: string | undefined): ServiceStatus {
    return {
      name: this.name,
      description: '',
      kind: 'service',
      state: this.state,
      detail: `started by a previous hearthd, but ${file ? `${file} is broken` : 'its definition is gone'}; "hearth stop ${this.name}" ends it, a fixed definition adopts it`,
      pid: this.record.pid,
      startedAt: this.record.startedAt,
      readyAt: this.record.readyAt,
      restarts: this.record.restarts,
      lastExit: null,
      source: file ?? '',
      cgroup: this.unit.where,
    };
  }

  async stop(): Promise<void> {
    if (this.state === 'stopping') return;
    this.state = 'stopping';
    this.emit(stateEvent(this.name, 'orphaned', 'stopping', this.record.pid));
    await stopProcesses(this.unit.boundary([this.record.pgid, this.record.pid]), { signal: 'SIGTERM', timeoutMs: ORPHAN_STOP_TIMEOUT_MS }).done;
    this.finish();
  }

  /** Handed over to a runner (its definition came back): stop watching, nothing else. */
  release(): void {
    this.cancelWatch();
  }

  private finish(): void {
    this.cancelWatch();
    this.emit(stateEvent(this.name, this.state, 'stopped', null));
    this.gone();
  }
}
