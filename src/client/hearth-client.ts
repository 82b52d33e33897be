import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { HearthError, type ErrorCode } from '../errors/index.js';
import type { HearthEvent, ServiceStatus } from '../model/index.js';
// Type-only: the client must never load the server side (src/http, the routes) at runtime.
import type { StoredTransition } from '../runlevels/index.js';
import type {
  RunlevelSwitchResult,
  EnableResult,
  ClassicResult,
  ActionResult,
  ConfigReport,
  DaemonInfo,
  LogQuery,
  LogRecord,
  ReloadReport,
  ReloadSummary,
  ServiceDetail,
  AuditReport,
  AtJobInfo,
  FleetAuditRow,
  FleetOverview,
  FleetRestartRun,
} from '../control/index.js';
import { EventStream } from './event-stream.js';

/** A recorded transition, with what the daemon knows about which one it is (older daemons leave these out). */
export type AnalyzedTransition = StoredTransition & {
  /** This transition is the boot, not a later switch. */
  boot?: boolean;
  /** When it began (epoch ms). */
  at?: number;
  /** The runlevel it left; null at boot. */
  previous?: number | null;
};

export type ServiceAction = 'start' | 'stop' | 'restart' | 'reload';

export interface HearthClientOptions {
  socketPath: string;
  /** Per-request timeout for plain requests; 0 = none (stops can take stop_timeout). */
  timeoutMs?: number;
}

const START_HINT =
  'start it with "hearthd --config-dir DIR", or point at a running one with --socket PATH or $HEARTH_SOCKET';

/**
 * The one typed client of hearthd's control API, shared by the CLI, the TUI and
 * tests. Plain node:http over the unix socket: no dependencies, fast to load.
 */
export class HearthClient {
  readonly socketPath: string;
  private readonly timeoutMs: number;

  constructor(options: HearthClientOptions) {
    this.socketPath = options.socketPath;
    this.timeoutMs = options.timeoutMs ?? 0;
  }

  info(): Promise<DaemonInfo> {
    return this.call('GET', '/v1/info');
  }

  list(): Promise<ServiceStatus[]> {
    return this.call('GET', '/v1/services');
  }

  /** Throws HearthError ERR_UNKNOWN_SERVICE (with a did-you-mean hint) for an unknown name. */
  status(name: string): Promise<ServiceDetail> {
    return this.call('GET', `/v1/services/${encodeURIComponent(name)}`);
  }

  /** The single-service route: unknown names are an error (404), not a result. */
  serviceAction(name: string, action: ServiceAction): Promise<ActionResult> {
    return this.call('POST', `/v1/services/${encodeURIComponent(name)}/${action}`);
  }

  /** Several services at once; one result per name, unknown names included as failures. */
  action(action: ServiceAction, names: string[]): Promise<ActionResult[]> {
    return this.call('POST', `/v1/actions/${action}`, { names });
  }

  start(names: string[]): Promise<ActionResult[]> {
    return this.action('start', names);
  }

  stop(names: string[]): Promise<ActionResult[]> {
    return this.action('stop', names);
  }

  restart(names: string[]): Promise<ActionResult[]> {
    return this.action('restart', names);
  }

  reload(names: string[]): Promise<ActionResult[]> {
    return this.action('reload', names);
  }

  switchRunlevel(level: number, block = true): Promise<RunlevelSwitchResult> {
    return this.call('POST', '/v1/init', { level, block });
  }

  setEnabled(name: string, levels: number[] | undefined, on: boolean): Promise<EnableResult> {
    return this.call('POST', '/v1/enable', { name, ...(levels ? { levels } : {}), on });
  }

  chkconfig(argv: string[]): Promise<ClassicResult> {
    return this.call('POST', '/v1/chkconfig', { argv });
  }

  systemctl(argv: string[]): Promise<ClassicResult> {
    return this.call('POST', '/v1/systemctl', { argv });
  }

  /** `service NAME ACTION [ARGS]` passed through; null when the unit does not take arbitrary actions. */
  passThrough(name: string, action: string, args: string[] = []): Promise<ClassicResult | null> {
    return this.call('POST', '/v1/service', { name, action, args });
  }

  /**
   * `hearth analyze`: the boot (first entry into the default runlevel since
   * hearthd or the host started) by default, or the last runlevel switch.
   */
  analyze(which: 'boot' | 'last' = 'boot'): Promise<AnalyzedTransition | null> {
    return this.call('GET', `/v1/analyze?which=${which}`);
  }

  atAdd(spec: { at: number | 'batch'; command: string; cwd?: string }): Promise<AtJobInfo> {
    return this.call('POST', '/v1/at', spec);
  }

  atList(): Promise<AtJobInfo[]> {
    return this.call('GET', '/v1/at');
  }

  atRemove(ids: number[]): Promise<{ missing: number[] }> {
    return this.call('POST', '/v1/at/remove', { ids });
  }

  audit(): Promise<AuditReport> {
    return this.call('GET', '/v1/audit');
  }

  reloadConfig(): Promise<ReloadReport> {
    return this.call('POST', '/v1/reload-config');
  }

  /** The reload, answered with counts where the full report lists every unit. */
  reloadConfigBriefly(): Promise<ReloadSummary> {
    return this.call('POST', '/v1/reload-config', { brief: true });
  }

  check(configDir?: string): Promise<ConfigReport> {
    return this.call('POST', '/v1/check', configDir === undefined ? {} : { configDir });
  }

  logs(query: LogQuery = {}): Promise<LogRecord[]> {
    return this.call('GET', `/v1/logs${logQueryString(query)}`);
  }

  /** Last `query.lines` records (if any), then every new one until close(). */
  followLogs(query: LogQuery = {}): EventStream<LogRecord> {
    return this.stream<LogRecord>(`/v1/logs/follow${logQueryString(query)}`, (data, event) =>
      event === 'log' ? (JSON.parse(data) as LogRecord) : undefined,
    );
  }

  /** The fleet as hearthd sees it (404 ERR_NOT_FOUND when hearthd is in no fleet). */
  fleet(): Promise<FleetOverview> {
    return this.call('GET', '/v1/fleet');
  }

  /** The overview now, then again on every change. */
  fleetEvents(): EventStream<FleetOverview> {
    return this.stream<FleetOverview>('/v1/fleet/events', (data, event) => (event === 'fleet' ? (JSON.parse(data) as FleetOverview) : undefined));
  }

  fleetRestart(spec: { unit: string; selector?: string; maxUnavailable?: number }): Promise<FleetRestartRun> {
    return this.call('POST', '/v1/fleet/restart', spec);
  }

  fleetAudit(selector?: string): Promise<FleetAuditRow[]> {
    return this.call('GET', `/v1/fleet/audit${selector ? `?selector=${encodeURIComponent(selector)}` : ''}`);
  }

  events(): EventStream<HearthEvent> {
    return this.stream<HearthEvent>('/v1/events', (data, event) =>
      event === 'event' ? (JSON.parse(data) as HearthEvent) : undefined,
    );
  }

  private unreachable(err: NodeJS.ErrnoException): HearthError {
    if (err.code === 'EACCES' || err.code === 'EPERM') {
      return new HearthError('ERR_DAEMON_UNREACHABLE', `permission denied on hearthd's socket "${this.socketPath}"`, {
        hint: 'run as the user that started hearthd, as root, or as a member of the socket\'s group',
        cause: err,
      });
    }
    if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'ENOTSOCK' || err.code === 'ENOTDIR') {
      return new HearthError('ERR_DAEMON_UNREACHABLE', `cannot reach hearthd at "${this.socketPath}": not running?`, {
        hint: START_HINT,
        cause: err,
      });
    }
    return new HearthError('ERR_DAEMON_UNREACHABLE', `cannot talk to hearthd at "${this.socketPath}": ${err.message}`, {
      cause: err,
    });
  }

  /**
   * One unix-socket connection per request, made directly: going through an
   * http.Agent costs a CLI call several milliseconds of first-use setup (it
   * compiles the IPv6 address matcher to pick a TLS server name).
   */
  private connection(): { createConnection: () => Socket; host: string } {
    return { createConnection: () => connect(this.socketPath), host: 'localhost' };
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<T>((resolve, reject) => {
      const req = httpRequest(
        {
          ...this.connection(),
          method,
          path,
          headers: {
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          readBody(res)
            .then((text) => {
              const status = res.statusCode ?? 0;
              let parsed: unknown;
              try {
                parsed = text === '' ? undefined : JSON.parse(text);
              } catch {
                reject(new HearthError('ERR_DAEMON_ERROR', `hearthd sent a non-JSON answer to ${method} ${path} (HTTP ${status})`));
                return;
              }
              if (status >= 200 && status < 300) resolve(parsed as T);
              else reject(errorFromBody(parsed, status, method, path));
            })
            .catch((e: NodeJS.ErrnoException) => reject(this.unreachable(e)));
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => reject(this.unreachable(e)));
      if (this.timeoutMs > 0) {
        req.setTimeout(this.timeoutMs, () =>
          req.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs}ms`), { code: 'ETIMEDOUT' })),
        );
      }
      req.end(payload);
    });
  }

  private stream<T>(path: string, decode: (data: string, event: string) => T | undefined): EventStream<T> {
    const req = httpRequest({
      ...this.connection(),
      method: 'GET',
      path,
      headers: { accept: 'text/event-stream' },
    });
    const stream = new EventStream<T>(req, decode);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        stream.attach(res);
        return;
      }
      readBody(res)
        .then((text) => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          stream.fail(errorFromBody(parsed, status, 'GET', path));
        })
        .catch((e) => stream.fail(this.unreachable(e)));
    });
    req.on('error', (e: NodeJS.ErrnoException) => stream.fail(this.unreachable(e)));
    req.end();
    return stream;
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/** The daemon's `{ error: { code, message, hint } }` back into the HearthError it was. */
function errorFromBody(body: unknown, status: number, method: string, path: string): HearthError {
  const e = (body as { error?: { code?: string; message?: string; hint?: string } } | undefined)?.error;
  if (e && typeof e.message === 'string') {
    const code = (typeof e.code === 'string' && e.code.startsWith('ERR_') ? e.code : 'ERR_DAEMON_ERROR') as ErrorCode;
    return new HearthError(code, e.message, e.hint ? { hint: e.hint } : {});
  }
  return new HearthError('ERR_DAEMON_ERROR', `hearthd answered ${method} ${path} with HTTP ${status}`);
}

/** name may repeat; numbers go as decimal; absent fields are left out. */
export function logQueryString(q: LogQuery): string {
  const p = new URLSearchParams();
  for (const n of q.names ?? []) p.append('name', n);
  if (q.lines !== undefined) p.set('lines', String(q.lines));
  if (q.since !== undefined) p.set('since', String(q.since));
  if (q.until !== undefined) p.set('until', String(q.until));
  if (q.grep !== undefined) p.set('grep', q.grep);
  if (q.priority !== undefined) p.set('priority', String(q.priority));
  if (q.facility !== undefined) p.set('facility', q.facility.join(','));
  const s = p.toString();
  return s ? `?${s}` : '';
}
