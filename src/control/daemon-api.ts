import type { HearthEvent, ServiceStatus } from '../model/index.js';
import type { JournalHealth, LogQuery, LogRecord } from '../journal/index.js';
import type { AuditReport } from '../catalog/index.js';
import type { AtJob } from '../timers/index.js';
import type { ConfigReport } from '../config/index.js';
import type { AuditRow, HostView, RollingResult } from '../fleet/index.js';

/**
 * What the control API needs from the daemon. src/daemon.ts implements it; the
 * HTTP layer in this folder only translates requests to these calls, so every
 * route can be tested in-process against a fake.
 */

export interface DaemonInfo {
  pid: number;
  version: string;
  startedAt: number;
  configDir: string;
  stateDir: string;
  runtimeDir: string;
  logDir: string;
  socketPath: string;
  runlevel: number | null;
  previousRunlevel: number | null;
  /** State files hearthd found damaged since it started: each was set aside (keptAs) and said so in its log. */
  stateProblems?: Array<{ file: string; keptAs: string; reason: string; at: number }>;
  /** The syslog socket hearthd receives on (writable by every local user), when it is on. */
  syslogSocket?: string;
  /** How this hearthd tracks a unit's processes, and so what `stop` guarantees here. */
  processTracking?: { mode: 'cgroup' | 'process-group'; description: string };
  /** Whether logging is degraded (the log filesystem full), and for which services: the journal's health(). */
  logging?: JournalHealth;
  /** Present when hearth.toml has [fleet]: this host's link to the fleet. */
  fleet?: FleetInfo;
}

/** This hearthd's place in a fleet: what `hearth status`, `hearth doctor` and the GUI show. */
export interface FleetInfo {
  host: string;
  labels: Record<string, string>;
  endpoints: string[];
  /** connected to etcd; connecting at start; retrying while etcd cannot be reached ("fleet unreachable"). */
  link:
    | { state: 'connecting' | 'stopped'; since: number }
    | { state: 'connected'; since: number; endpoint: string }
    | { state: 'retrying'; since: number; lastError: string; attempts: number };
  /** in-sync: watching the desired state; syncing: reading it; stale: cannot, running the last set. */
  desired: 'syncing' | 'in-sync' | 'stale';
  lastSyncError?: string;
  /** The fleet set this host runs (STATE_DIR/fleet/current). */
  set?: { dir: string; hash: string; revision: number; bundles: Record<string, number> };
  /** Fleet units in use here, and fleet units a local unit of the same name hides. */
  units: string[];
  shadowed: string[];
  /** Files and fleet.toml keys one bundle lost to another, and units a local one won. */
  conflicts: Array<{ unit: string; bundle: string; winner: string }>;
  /** Writes of this host's report to etcd. */
  report: { writes: number; bytes: number; failures: number; lastWriteAt?: number };
}

/** A rolling restart started from the GUI, as it goes. */
export interface FleetRestartRun {
  id: string;
  unit: string;
  selector: string;
  maxUnavailable: number;
  startedAt: number;
  hosts: string[];
  progress: Record<string, { phase: 'restarting' | 'ready' | 'failed'; error?: string; at: number }>;
  result?: RollingResult;
  /** The run could not start (etcd unreachable, no such hosts). */
  error?: string;
}

/** The fleet as this hearthd sees it through etcd (the GUI's Fleet page; the browser never talks to etcd). */
export interface FleetOverview {
  self: FleetInfo;
  /** live: watching etcd; syncing: reading it; stale: etcd cannot be read, this is the last view. */
  view: { state: 'syncing' | 'live' | 'stale'; error?: string; hosts: HostView[]; at: number };
  /** The last rolling restart started through this hearthd. */
  restart?: FleetRestartRun;
}

/** What the control API serves under /v1/fleet, when this hearthd is in a fleet. */
export interface FleetApi {
  overview(): FleetOverview;
  /** Calls on with a fresh overview whenever hosts, this host's link or a restart changes; returns an unsubscribe. */
  subscribe(on: (overview: FleetOverview) => void): () => void;
  /** Starts a rolling restart and returns at once; progress arrives through subscribe(). */
  restart(spec: { unit: string; selector?: string; maxUnavailable?: number }): Promise<FleetRestartRun>;
  audit(selector?: string): Promise<AuditRow[]>;
}

export type { AuditRow as FleetAuditRow, HostView as FleetHostView };

export interface ActionResult {
  name: string;
  ok: boolean;
  /** State after the action settled (or when it failed). */
  state?: ServiceStatus['state'];
  error?: { code: string; message: string; hint?: string };
}

// The journal owns its record and query types; the API speaks them as they are.
export type { JournalHealth, LogQuery, LogRecord };

// `hearth check` reports come from the config loader, offline and online alike.
export type { ConfigReport };

export interface ReloadReport extends ConfigReport {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
}

/**
 * A reload report without the two lists that grow with the fleet (every
 * unit, every unchanged unit), counted instead: what `hearth reload-config`
 * prints, which at 10,000 services is a 160 KB answer otherwise.
 */
export type ReloadSummary = Omit<ReloadReport, 'services' | 'unchanged'> & { serviceCount: number; unchangedCount: number };

export function summarizeReload({ services, unchanged, ...rest }: ReloadReport): ReloadSummary {
  return { ...rest, serviceCount: services.length, unchangedCount: unchanged.length };
}

export interface ServiceDetail extends ServiceStatus {
  recentLogs: LogRecord[];
  /** Present while this service's log file cannot be written (disk full): since when, why, what was lost. */
  logging?: { since: number; reason: string; droppedRecords: number; blocked: boolean };
  /** Extra sections later features add (workers of a pool, inetd counters, …). */
  extra?: Record<string, unknown>;
}

export interface RunlevelSwitchResult {
  previous: number | null;
  current: number | null;
  stopped: string[];
  started: string[];
  failed: Array<{ name: string; error: string }>;
}

export interface EnableResult {
  name: string;
  /** On/off for levels 0..6 after the change; null when in no level at all (and for inetd-style services). */
  levels: boolean[] | null;
  /** inetd-style services only: on or off as a whole. */
  enabled?: boolean;
}

/** A job of `hearth at` / `batch`, as the at queue keeps it. */
export type AtJobInfo = AtJob;

export interface ClassicResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface DaemonApi {
  /**
   * Resolves once the boot's configuration is in effect. The socket answers
   * from before that (a long boot can be watched), but until then every unit
   * would look absent: requests wait for it.
   */
  untilConfigured?(): Promise<void>;
  info(): DaemonInfo;
  list(): ServiceStatus[];
  /** A unit's own name for a name it answers to ("nginx" → "nginx.service", an alias, an instance of a template); undefined when none. */
  resolveName?(name: string): string | undefined;
  /** undefined when no such service. */
  status(name: string): Promise<ServiceDetail | undefined>;
  start(names: string[]): Promise<ActionResult[]>;
  stop(names: string[]): Promise<ActionResult[]>;
  restart(names: string[]): Promise<ActionResult[]>;
  reload(names: string[]): Promise<ActionResult[]>;
  reloadConfig(): Promise<ReloadReport>;
  /** Validate a config dir (default: the daemon's own) without touching what runs. */
  check(configDir?: string): Promise<ConfigReport>;
  logs(query: LogQuery): Promise<LogRecord[]>;
  /** Calls onRecord for each new record matching query; returns an unsubscribe. */
  followLogs(query: LogQuery, onRecord: (r: LogRecord) => void): () => void;
  subscribe(onEvent: (e: HearthEvent) => void): () => void;
  /** `hearth init N`: resolves when the switch is complete (or at once with block = false). */
  switchRunlevel?(level: number, block: boolean): Promise<RunlevelSwitchResult>;
  /** `hearth enable|disable NAME [--level LEVELS]`; no levels means the unit's defaults (enable) or every level (disable). */
  setEnabled?(name: string, levels: number[] | undefined, on: boolean): Promise<EnableResult>;
  /** `hearth chkconfig ARGS…`, evaluated where the enablement lives, with chkconfig's exact output. */
  chkconfig?(argv: string[]): Promise<ClassicResult>;
  /** `hearth systemctl ARGS…`, evaluated where the units and their files are, with systemctl's output and exit codes. */
  systemctl?(argv: string[]): Promise<ClassicResult>;
  /**
   * `service NAME ACTION [ARGS]` passed through to a unit that takes any action
   * (an init script): its own output and exit status. null when the unit's kind
   * only knows start/stop/restart/reload (the caller uses those instead).
   */
  passThrough?(name: string, action: string, args: string[]): Promise<ClassicResult | null>;
  /**
   * For `hearth analyze`: the boot (first entry into the default runlevel
   * since hearthd or the host started), or the last runlevel switch.
   */
  analyze?(which: 'boot' | 'last'): unknown;
  /** `hearth at` / `batch`: queue a job (at: epoch ms, or "batch" for when the load is low). */
  atAdd?(spec: { at: number | 'batch'; command: string; cwd?: string }): Promise<AtJobInfo>;
  /** `hearth atq`. */
  atList?(): Promise<AtJobInfo[]>;
  /** `hearth atrm`: the ids that were not queued come back in `missing`. */
  atRemove?(ids: number[]): Promise<{ missing: number[] }>;
  /** `hearth audit`: findings with evidence and fixes. */
  audit?(): Promise<AuditReport>;
  /** The fleet routes (/v1/fleet…); undefined when hearth.toml has no [fleet]. */
  fleetApi?(): FleetApi | undefined;
}

export type { AuditReport };
