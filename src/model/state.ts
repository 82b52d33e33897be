/**
 * Runtime state as the outside world sees it. These types cross the control API,
 * so they are plain JSON.
 */

export type ServiceState =
  | 'stopped'
  | 'starting'
  | 'running'
  | 'stopping'
  | 'exited'
  | 'failed'
  | 'backoff'
  /** A timer between runs: active, waiting for its next run (systemd's "active (waiting)"). */
  | 'waiting'
  /** The definition could not be loaded; see `errors`. */
  | 'broken';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  at: number;
}

export interface ServiceStatus {
  name: string;
  description: string;
  kind: 'service' | 'sysv' | 'inetd' | 'timer';
  state: ServiceState;
  /** Human-readable detail, like "ready" or "restart in 400ms" or an sd_notify STATUS=. */
  detail?: string;
  pid: number | null;
  startedAt: number | null;
  readyAt: number | null;
  restarts: number;
  lastExit: ExitInfo | null;
  /** Filled in by status queries, not by list. */
  memoryBytes?: number;
  cpuSeconds?: number;
  source: string;
  errors?: string[];
  /** Enabled in the current runlevel (inetd-style services: not disabled). */
  enabled?: boolean;
  /** On/off for runlevels 0..6, for units that are enabled per runlevel. */
  levels?: boolean[];
  /** Timers: when the job runs next and how its last run ended. */
  nextRun?: number | null;
  lastRun?: { at: number; durationMs: number; code: number | null; signal: string | null } | null;
  failures?: number;
  schedule?: string;
}

export type HearthEvent =
  | { type: 'service.state'; at: number; name: string; from: ServiceState; to: ServiceState; pid: number | null; detail?: string }
  | { type: 'service.exit'; at: number; name: string; pid: number; code: number | null; signal: string | null }
  | { type: 'service.spawn'; at: number; name: string; pid: number }
  | { type: 'service.error'; at: number; name: string; message: string }
  | { type: 'config.reloaded'; at: number; added: string[]; changed: string[]; removed: string[]; errors: string[] }
  | { type: 'config.error'; at: number; errors: string[] }
  | { type: 'daemon.log'; at: number; level: 'info' | 'warn' | 'error'; message: string };

export type HearthEventType = HearthEvent['type'];
