import { constants } from 'node:os';
import type { InetdServiceDefinition, RefusalReason } from '../model/index.js';
import type { InetdLogLine } from './types.js';

/** The words xinetd logs for each refusal (access_code_names in xinetd's access.c). */
const XINETD_REASON: Record<RefusalReason, string> = {
  address: 'address', time: 'time', instances: 'service_limit', per_source: 'per_source_limit',
  cps: 'connections per second', load: 'load', spawn: 'fork',
};

/** What conn_addrstr() prints when a connection has no peer address (a wait = yes TCP service). */
export const NO_ADDRESS = '<no address>';

type LogDef = Pick<InetdServiceDefinition, 'id' | 'logOnSuccess' | 'logOnFailure' | 'logType'>;

/**
 * One service's connection log in xinetd's own words and formats (log.c,
 * redirect.c, ident.c): START, EXIT, FAIL, TRAFFIC and USERID lines exactly
 * as xinetd writes them, marked `service` so the host also writes them where
 * log_type says. Refusals with no log_on_failure, and cps switching a service
 * off and on, are hearth's notes for the journal only (xinetd writes the
 * latter to its own log, not the service's).
 */
export class ConnectionLog {
  /** log_on_success asks for anything: callers skip the work of a line nobody wants. */
  readonly onSuccess: boolean;
  /** An EXIT line is wanted (log_on_success EXIT or DURATION). */
  readonly onExit: boolean;
  /** USERID in log_on_success / log_on_failure: ask the client's identd (RFC 1413). */
  readonly useridOnSuccess: boolean;
  readonly useridOnFailure: boolean;
  private readonly onFailure: boolean;
  private readonly syslog: InetdLogLine['syslog'];
  private lastQuietRefusal = 0;
  private quietRefusals = 0;

  constructor(
    private readonly def: LogDef,
    private readonly write: (line: InetdLogLine) => void,
    private readonly now: () => number = Date.now,
  ) {
    const s = def.logOnSuccess;
    this.onSuccess = s.length > 0;
    this.onExit = s.includes('EXIT') || s.includes('DURATION');
    this.onFailure = def.logOnFailure.length > 0;
    this.useridOnSuccess = s.includes('USERID');
    this.useridOnFailure = def.logOnFailure.includes('USERID');
    const t = def.logType;
    if (t?.kind === 'syslog') this.syslog = { facility: t.facility, level: t.level };
  }

  /** When a server started, in xinetd's whole seconds (its EXIT line's duration is a difference of time() values). */
  started(): number {
    return Math.floor(this.now() / 1000);
  }

  /** `START: id [pid=N] [from=ADDR]`; pid 0 marks a connection hearthd answers itself, as xinetd's internal services. */
  start(pid: number, remote: string | undefined): void {
    if (!this.onSuccess) return;
    const s = this.def.logOnSuccess;
    let m = `START: ${this.def.id}`;
    if (s.includes('PID')) m += ` pid=${pid}`;
    if (s.includes('HOST')) m += ` from=${remote ?? NO_ADDRESS}`;
    this.service('info', m);
  }

  /** `EXIT: id [status=N|signal=N] [pid=N] [duration=N(sec)]`. */
  exit(pid: number, code: number | null, signal: NodeJS.Signals | null, startedSeconds: number): void {
    if (!this.onExit) return;
    const s = this.def.logOnSuccess;
    let m = `EXIT: ${this.def.id}`;
    if (s.includes('EXIT')) {
      // Neither code nor signal: a helper died and the status is lost; xinetd has no such case.
      if (signal) m += ` signal=${constants.signals[signal] ?? signal}`;
      else m += code === null ? ' status=unknown' : ` status=${code}`;
    }
    if (s.includes('PID')) m += ` pid=${pid}`;
    if (s.includes('DURATION')) m += ` duration=${Math.max(0, this.started() - startedSeconds)}(sec)`;
    this.service('info', m);
  }

  /** A relay's byte counts, from the client (in) and from the server (out). */
  traffic(bytesIn: number, bytesOut: number): void {
    if (!this.def.logOnSuccess.includes('TRAFFIC')) return;
    this.service('info', `TRAFFIC: ${this.def.id} in=${bytesIn}(bytes) out=${bytesOut}(bytes)`);
  }

  /** What the client's identd said, after "USERID :". */
  userid(text: string): void {
    this.service('info', `USERID: ${this.def.id} ${text}`);
  }

  /** IDONLY and the client's identd did not say who it is: the connection is dropped. */
  noid(remote: string | undefined, reason: string): void {
    this.service('info', `NOID: ${this.def.id} ${remote ?? NO_ADDRESS} ${reason}`);
  }

  /** `FAIL: id reason [from=ADDR]`; without log_on_failure a journal note, at most one a second under a flood. */
  refused(reason: RefusalReason, remote: string | undefined): void {
    const what = `FAIL: ${this.def.id} ${XINETD_REASON[reason]}`;
    if (this.onFailure) {
      this.service('warn', `${what}${this.def.logOnFailure.includes('HOST') ? ` from=${remote ?? NO_ADDRESS}` : ''}`);
      return;
    }
    const now = this.now();
    if (now - this.lastQuietRefusal < 1000) {
      this.quietRefusals++;
      return;
    }
    const more = this.quietRefusals > 0 ? ` (+${this.quietRefusals} more refused in the last second)` : '';
    this.note('warn', `${what}${remote ? ` from=${remote}` : ''}${more}`);
    this.lastQuietRefusal = now;
    this.quietRefusals = 0;
  }

  /** xinetd's words when cps takes a service off, and when it comes back. */
  deactivated(pauseSeconds: number): void {
    this.note('warn', `Deactivating service ${this.def.id} due to excessive incoming connections.  Restarting in ${pauseSeconds} seconds.`);
  }

  activated(): void {
    this.note('info', `Activating service ${this.def.id}`);
  }

  cannotStart(file: string, message: string): void {
    this.note('error', `cannot start "${file}": ${message}`);
  }

  /** The log file reached its hard limit and takes no more lines (xinetd's log_in_error). */
  fileFull(path: string): void {
    this.note('error', `Size of ${this.def.id} log exceeded hard limit; "${path}" gets no more lines`);
  }

  /** A line of the service's own log: also to log_type's destination, at its level under SYSLOG. */
  private service(level: InetdLogLine['level'], message: string): void {
    this.write({ id: this.def.id, level, message, service: true, ...(this.syslog ? { syslog: this.syslog } : {}) });
  }

  /** hearth's note for the journal only. */
  private note(level: InetdLogLine['level'], message: string): void {
    this.write({ id: this.def.id, level, message, service: false });
  }
}
