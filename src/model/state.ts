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
  | 'broken'
  /** Running, started by a previous hearthd, but its definition is gone or broken: shown and stoppable, never doubled. */
  | 'orphaned'
  /**
   * Running, but not all of it: the super-server with some of its ports
   * not bound (which, and why, in `detail`). systemd's "degraded".
   */
  | 'degraded';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  at: number;
  /** Set when the kernel's OOM killer ended the unit (its memory_max). */
  reason?: 'oom-killed';
}

export interface ServiceStatus {
  name: string;
  description: string;
  kind: 'service' | 'sysv' | 'inetd' | 'timer' | 'systemd';
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
  /** Processes in the unit (all of them, not only the main one). */
  tasks?: number;
  /** Where the unit's processes are tracked: its cgroup, or its process groups. */
  cgroup?: string;
  source: string;
  errors?: string[];
  /** Enabled in the current runlevel (inetd-style services: not disabled). */
  enabled?: boolean;
  /** On/off for runlevels 0..6, for units that are enabled per runlevel. */
  levels?: boolean[];
  /** On in the boot level S (LSB `Default-Start: S`, Debian's rcS.d): runs once at boot, before the runlevel. */
  levelS?: boolean;
  /** Timers: when the job runs next and how its last run ended. */
  nextRun?: number | null;
  lastRun?: { at: number; durationMs: number; code: number | null; signal: string | null } | null;
  failures?: number;
  schedule?: string;
}



/**
 * The one answer to "what does this state mean?", used by the daemon, the
 * CLI, the GUI, ntsysv and the audit. The classes follow systemd's
 * active/activating/deactivating/inactive/failed so that readers who know
 * `systemctl is-active` read hearth's states the same way.
 */
export type StateClass = 'active' | 'activating' | 'deactivating' | 'inactive' | 'failed';

export const STATE_CLASS: Readonly<Record<ServiceState, StateClass>> = {
  running: 'active',
  waiting: 'active',
  degraded: 'active',
  starting: 'activating',
  // Waiting to be restarted after a crash: systemd's "activating (auto-restart)".
  backoff: 'activating',
  stopping: 'deactivating',
  stopped: 'inactive',
  exited: 'inactive',
  failed: 'failed',
  broken: 'failed',
  orphaned: 'active',
};

export const ALL_STATES = Object.keys(STATE_CLASS) as ServiceState[];

/** Running or armed (a timer between runs): `hearth status` exits 0, as LSB's "program is running". */
export function isActiveState(state: ServiceState): boolean {
  return STATE_CLASS[state] === 'active';
}

/**
 * The unit is up or on its way up or down: it holds (or is about to hold)
 * processes, so a runlevel switch must stop it and the audit counts it as running.
 */
export function isUpState(state: ServiceState): boolean {
  const c = STATE_CLASS[state];
  return c === 'active' || c === 'activating' || c === 'deactivating';
}

/** Starting, stopping, or waiting for a restart: the state will change by itself. */
export function isTransitionalState(state: ServiceState): boolean {
  const c = STATE_CLASS[state];
  return c === 'activating' || c === 'deactivating';
}

/** A state named by someone else (a fleet host's report, a newer hearth): one this version knows. */
export function isServiceState(state: string): state is ServiceState {
  return Object.hasOwn(STATE_CLASS, state);
}

/** Failed, broken, crash-looping, orphaned or degraded: a unit that needs an administrator (the fleet's failing units). */
export function needsAttention(state: ServiceState): boolean {
  return STATE_CLASS[state] === 'failed' || state === 'backoff' || state === 'orphaned' || state === 'degraded';
}

/** A process exists, or a timer is armed: LSB `status` says "running" (exit 0). */
export function isRunningState(state: ServiceState): boolean {
  return isUpState(state) && state !== 'backoff';
}
