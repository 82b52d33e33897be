/**
 * The typed shape of a loaded systemd unit. Durations are microseconds
 * (Infinity for "infinity"), sizes bytes, modes numbers, signals numbers.
 * Defaults are systemd's. Every assignment also stays available as a
 * Setting, with file:line, for `hearth check`/`status` and `systemctl cat`.
 */
import type { UnitDiagnostic } from './diagnostics.js';
import type { ExecCommand } from './exec-command.js';
import type { Support } from './keys.js';
import type { Condition, ExecDirectory, ExitStatusSet, StdioSetting, TimerValue } from './setting-kinds.js';
import type { SocketListen } from './socket-address.js';
import type { UnitType } from './unit-name.js';
import type { Rlimit, RlimitName } from './values.js';

export type { Condition, ExecDirectory, ExitStatusSet, StdioSetting, TimerValue, ExecCommand, SocketListen };

/** One assignment as written, with where it came from and what hearth does with its key. */
export interface Setting {
  section: string;
  key: string;
  value: string;
  file: string;
  line: number;
  support: Support;
  note?: string;
}

export interface UnitSection {
  description?: string;
  documentation: string[];
  requires: string[];
  requisite: string[];
  wants: string[];
  bindsTo: string[];
  partOf: string[];
  upholds: string[];
  conflicts: string[];
  before: string[];
  after: string[];
  onFailure: string[];
  onSuccess: string[];
  propagatesReloadTo: string[];
  reloadPropagatedFrom: string[];
  propagatesStopTo: string[];
  stopPropagatedFrom: string[];
  joinsNamespaceOf: string[];
  requiresMountsFor: string[];
  defaultDependencies: boolean;
  refuseManualStart: boolean;
  refuseManualStop: boolean;
  allowIsolate: boolean;
  ignoreOnIsolate: boolean;
  stopWhenUnneeded: boolean;
  /** Unset: the manager's default (systemd: 10 s and 5 starts). */
  startLimitIntervalUsec?: number;
  startLimitBurst?: number;
  conditions: Condition[];
  asserts: Condition[];
}

export interface ExecContext {
  user?: string;
  group?: string;
  supplementaryGroups: string[];
  dynamicUser: boolean;
  /** "~" means the user's home. */
  workingDirectory?: { path: string; missingOk: boolean };
  /** Environment= assignments in order (later ones win). */
  environment: Array<[string, string]>;
  environmentFiles: Array<{ path: string; optional: boolean }>;
  passEnvironment: string[];
  unsetEnvironment: string[];
  umask: number;
  nice?: number;
  oomScoreAdjust?: number;
  limits: Partial<Record<RlimitName, Rlimit>>;
  directories: Record<'runtime' | 'state' | 'cache' | 'logs' | 'configuration', { paths: ExecDirectory[]; mode: number }>;
  runtimeDirectoryPreserve: 'no' | 'yes' | 'restart';
  standardInput: StdioSetting;
  standardOutput: StdioSetting;
  standardError: StdioSetting;
  syslogIdentifier?: string;
  ignoreSigpipe: boolean;
  noNewPrivileges: boolean;
  privateTmp: boolean;
  protectSystem: 'no' | 'yes' | 'full' | 'strict';
  protectHome: 'no' | 'yes' | 'read-only' | 'tmpfs';
  /** Bit n = capability n; all 64 bits set when unrestricted. */
  capabilityBoundingSet: bigint;
  ambientCapabilities: bigint;
  readWritePaths: string[];
  readOnlyPaths: string[];
  inaccessiblePaths: string[];
  execSearchPath: string[];
}

export interface KillContext {
  killMode: 'control-group' | 'process' | 'mixed' | 'none';
  killSignal: number;
  restartKillSignal?: number;
  finalKillSignal: number;
  sendSigkill: boolean;
  sendSighup: boolean;
}

export type Percent = { percent: number };

export interface CgroupContext {
  memoryMin?: number;
  memoryLow?: number;
  memoryHigh?: number | Percent;
  memoryMax?: number | Percent;
  memorySwapMax?: number | Percent;
  tasksMax?: number | Percent;
  cpuWeight?: number;
  cpuQuotaPercent?: number;
  ioWeight?: number;
}

export type ServiceType = 'simple' | 'exec' | 'forking' | 'oneshot' | 'dbus' | 'notify' | 'notify-reload' | 'idle';
export type RestartPolicy = 'no' | 'on-success' | 'on-failure' | 'on-abnormal' | 'on-watchdog' | 'on-abort' | 'always';

export interface ServiceSection {
  type: ServiceType;
  exitType: 'main' | 'cgroup';
  execCondition: ExecCommand[];
  execStartPre: ExecCommand[];
  execStart: ExecCommand[];
  execStartPost: ExecCommand[];
  execReload: ExecCommand[];
  execStop: ExecCommand[];
  execStopPost: ExecCommand[];
  remainAfterExit: boolean;
  pidFile?: string;
  restart: RestartPolicy;
  restartUsec: number;
  timeoutStartUsec: number;
  timeoutStopUsec: number;
  runtimeMaxUsec: number;
  successExitStatus: ExitStatusSet;
  restartPreventExitStatus: ExitStatusSet;
  restartForceExitStatus: ExitStatusSet;
  notifyAccess: 'none' | 'main' | 'exec' | 'all';
  busName?: string;
  guessMainPid: boolean;
  sockets: string[];
  exec: ExecContext;
  kill: KillContext;
  cgroup: CgroupContext;
}

export interface SocketSection {
  listen: SocketListen[];
  accept: boolean;
  /** The service it activates (default: same name, or NAME@.service with Accept=yes). */
  service?: string;
  socketUser?: string;
  socketGroup?: string;
  socketMode: number;
  directoryMode: number;
  maxConnections: number;
  maxConnectionsPerSource: number;
  backlog?: number;
  bindIPv6Only: 'default' | 'both' | 'ipv6-only';
  fileDescriptorName?: string;
  removeOnStop: boolean;
  symlinks: string[];
  reusePort: boolean;
  freeBind: boolean;
  noDelay: boolean;
  keepAlive: boolean;
  execStartPre: ExecCommand[];
  execStartPost: ExecCommand[];
  execStopPre: ExecCommand[];
  execStopPost: ExecCommand[];
  timeoutUsec: number;
  exec: ExecContext;
  kill: KillContext;
  cgroup: CgroupContext;
}

export interface TimerSection {
  values: TimerValue[];
  persistent: boolean;
  accuracyUsec: number;
  randomizedDelayUsec: number;
  fixedRandomDelay: boolean;
  remainAfterElapse: boolean;
  /** The unit it starts (default: the timer's name with .service). */
  unit: string;
}

export interface InstallSection {
  wantedBy: string[];
  requiredBy: string[];
  alias: string[];
  also: string[];
  defaultInstance?: string;
}

/** What became of looking a unit up: systemd's load states. */
export type LoadState = 'loaded' | 'masked' | 'not-found' | 'bad-setting' | 'error';

export interface SystemdUnit {
  /** The name it was asked for or found under, instance included (foo@bar.service). */
  name: string;
  type: UnitType;
  /** Every name the unit answers to (aliases, instance aliases), sorted. */
  names: string[];
  loadState: LoadState;
  /** The unit file (for an instance, its template's file); null when not found. */
  fragmentPath: string | null;
  /** Drop-in files applied after it, in order. */
  dropIns: string[];
  /** Instance of a template: the template's name and the instance string. */
  template?: { name: string; instance: string };
  unit: UnitSection;
  install: InstallSection;
  service?: ServiceSection;
  socket?: SocketSection;
  timer?: TimerSection;
  settings: Setting[];
  diagnostics: UnitDiagnostic[];
}
