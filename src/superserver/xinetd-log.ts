import type { InetdServiceDefinition, RefusalReason } from '../model/index.js';
import type { InetdLogLine } from './types.js';

/** The words xinetd logs for each refusal (access_code_names in xinetd's access.c). */
const XINETD_REASON: Record<RefusalReason, string> = {
  address: 'address', time: 'time', instances: 'service_limit', per_source: 'per_source_limit',
  cps: 'connections per second', load: 'load', spawn: 'fork',
};

/**
 * One service's connection log, in xinetd.log(5)'s words: START and EXIT
 * lines as log_on_success asks, FAIL lines as log_on_failure asks. Refusals
 * are logged even without log_on_failure, at most once a second under a flood.
 */
export class ConnectionLog {
  /** log_on_success asks for anything: callers skip the work of a line nobody wants. */
  readonly onSuccess: boolean;
  private readonly onFailure: boolean;
  private lastQuietRefusal = 0;
  private quietRefusals = 0;

  constructor(
    private readonly def: Pick<InetdServiceDefinition, 'id' | 'logOnSuccess' | 'logOnFailure'>,
    private readonly write: (line: InetdLogLine) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.onSuccess = def.logOnSuccess.length > 0;
    this.onFailure = def.logOnFailure.length > 0;
  }

  /** The time a connection started, for its EXIT line's duration (0 when no EXIT line is wanted). */
  started(): number {
    return this.onSuccess ? this.now() : 0;
  }

  start(pid: number, remote: string | undefined): void {
    if (!this.onSuccess) return;
    const s = this.def.logOnSuccess;
    let m = `START: ${this.def.id}`;
    if (s.includes('PID')) m += ` pid=${pid}`;
    if (s.includes('HOST') && remote) m += ` from=${remote}`;
    this.line('info', m);
  }

  /** `extra` (a relay's TRAFFIC figures) is written even when neither EXIT nor DURATION is asked for. */
  exit(pid: number, code: number | null, signal: NodeJS.Signals | null, started: number, extra = ''): void {
    if (!this.onSuccess) return;
    const s = this.def.logOnSuccess;
    if (!s.includes('EXIT') && !s.includes('DURATION') && !extra) return;
    let m = `EXIT: ${this.def.id}`;
    // Neither code nor signal: the server never ran, or its helper died and the status is lost.
    if (s.includes('EXIT')) m += signal ? ` signal=${signal}` : ` status=${code ?? 'unknown'}`;
    if (s.includes('PID')) m += ` pid=${pid}`;
    if (s.includes('DURATION')) m += ` duration=${Math.round((this.now() - started) / 1000)}(sec)`;
    this.line('info', m + extra);
  }

  refused(reason: RefusalReason, remote: string | undefined): void {
    const what = `FAIL: ${this.def.id} ${XINETD_REASON[reason]}`;
    if (this.onFailure) {
      this.line('warn', `${what}${this.def.logOnFailure.includes('HOST') && remote ? ` from=${remote}` : ''}`);
      return;
    }
    const now = this.now();
    if (now - this.lastQuietRefusal < 1000) {
      this.quietRefusals++;
      return;
    }
    const more = this.quietRefusals > 0 ? ` (+${this.quietRefusals} more refused in the last second)` : '';
    this.line('warn', `${what}${remote ? ` from=${remote}` : ''}${more}`);
    this.lastQuietRefusal = now;
    this.quietRefusals = 0;
  }

  /** xinetd's words when cps takes a service off, and when it comes back. */
  deactivated(pauseSeconds: number): void {
    this.line('warn', `Deactivating service ${this.def.id} due to excessive incoming connections. Restarting in ${pauseSeconds} seconds.`);
  }

  activated(): void {
    this.line('info', `Activating service ${this.def.id}`);
  }

  cannotStart(file: string, message: string): void {
    this.line('error', `cannot start "${file}": ${message}`);
  }

  private line(level: InetdLogLine['level'], message: string): void {
    this.write({ id: this.def.id, level, message });
  }
}
