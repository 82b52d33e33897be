/**
 * SysV init scripts as the model sees them: what their comment headers say.
 * Two header dialects exist side by side in the wild — Red Hat's one-line
 * `# chkconfig: 2345 55 25` and the LSB `### BEGIN INIT INFO` block — and
 * many scripts carry both, so both are kept and merged into the derived fields.
 */

export const RUNLEVELS = [0, 1, 2, 3, 4, 5, 6] as const;

/** The facility names the LSB defines; `$all` means "after everything else". */
export const LSB_FACILITIES = [
  '$local_fs',
  '$network',
  '$named',
  '$portmap',
  '$remote_fs',
  '$syslog',
  '$time',
  '$all',
] as const;

export function isFacility(name: string): boolean {
  return name.startsWith('$');
}

/** `# chkconfig: 2345 55 25` — default levels, start priority, stop priority. */
export interface ChkconfigHeader {
  /** Empty for `-` (the script is added to no level by default). */
  levels: number[];
  start: number;
  stop: number;
  line: number;
}

/** The `### BEGIN INIT INFO` block. Lists are whitespace-split words. */
export interface LsbHeader {
  provides: string[];
  requiredStart: string[];
  requiredStop: string[];
  shouldStart: string[];
  shouldStop: string[];
  /** Numeric levels only; `S` (boot time) is reported in `sysinit`. */
  defaultStart: number[];
  defaultStop: number[];
  /** `Default-Start: S` — runs once at boot, before any numbered level. */
  sysinit: boolean;
  shortDescription?: string;
  description?: string;
  xStartBefore: string[];
  xStopAfter: string[];
  /** A Required-Stop, Should-Stop or X-Stop-After line is present (even empty): the stop order is its own. */
  stopDeclared?: boolean;
  /** `X-Interactive: true`: its start runs alone (it may ask at the console). */
  interactive?: boolean;
  /** Other `X-…` keys as written (key lowercased), e.g. hearth's own `x-hearth-restart`. */
  extra?: Record<string, string>;
  line: number;
}

/** What hearth does when a running init script's daemon is found dead. */
export type SysvRestartPolicy = 'always' | 'on-failure' | 'never';

export interface SysvScript {
  /** The file name in init.d, which is the service name. */
  name: string;
  file: string;
  chkconfig?: ChkconfigHeader;
  lsb?: LsbHeader;
  /** `# description:` with its backslash continuation lines joined by spaces. */
  description?: string;
  processName?: string;
  pidFile?: string;
  /** `# config:` lines (there may be several). */
  config: string[];

  // Derived: what hearth acts on.
  /** chkconfig levels if given, else LSB Default-Start, else 2345. */
  defaultLevels: number[];
  /** From the chkconfig line; undefined when it must be computed from dependencies. */
  startPriority?: number;
  stopPriority?: number;
  /** Always includes the script's own name. */
  provides: string[];
  /** The best one-line description: LSB Short-Description, else description, else the name. */
  summary: string;
  /** True when the script has a chkconfig line or an LSB block (chkconfig "supports" it). */
  hasHeaders: boolean;
  /** Problems that did not stop the script from loading, as `file:line: message`. */
  warnings: string[];
  /** `X-Hearth-Restart` (in the script or its chkconfig.d override); absent means never. */
  restart?: SysvRestartPolicy;
  /** `X-Hearth-Status-Interval`: how often `status` is asked while running; null when off. */
  statusIntervalMs?: number | null;
}

/** LSB exit codes of the `status` action. */
export type LsbStatusMeaning = 'running' | 'dead-pidfile' | 'dead-lockfile' | 'stopped' | 'unknown';

export function lsbStatusMeaning(code: number | null): LsbStatusMeaning {
  switch (code) {
    case 0:
      return 'running';
    case 1:
      return 'dead-pidfile';
    case 2:
      return 'dead-lockfile';
    case 3:
      return 'stopped';
    default:
      return 'unknown';
  }
}
