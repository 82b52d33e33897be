/**
 * The unit model: every config format (native TOML, SysV scripts, xinetd, inetd.conf)
 * is turned into these types by a loader in src/config. Nothing here knows how a
 * service is run.
 */
import type { ExitSet, OutputTarget, SandboxSettings, ServiceCommands, ServiceDirectory, StopSettings } from './service-exec.js';

export type * from './service-exec.js';


/**
 * When a service whose main process ended by itself is started again. The
 * first three are hearth's own; the others are systemd's Restart= values
 * (on-success: clean exits only; on-abnormal: signals and timeouts; on-abort:
 * unclean signals; on-watchdog: never here, hearth runs no watchdog).
 */
export type RestartPolicy = 'always' | 'on-failure' | 'never' | 'on-success' | 'on-abnormal' | 'on-abort' | 'on-watchdog';

export type Readiness =
  | { kind: 'none' }
  /** sd_notify protocol: READY=1 on $NOTIFY_SOCKET. */
  | { kind: 'notify' }
  /** Ready once something accepts on this TCP port. */
  | { kind: 'tcp'; host: string; port: number }
  /** Ready once a line of output matches. */
  | { kind: 'log'; pattern: RegExp }
  /** Ready once this well-known name has an owner on the system bus (systemd's Type=dbus). */
  | { kind: 'dbus'; name: string };

/** Resource limits by prlimit(1) name; soft and hard both, or "unlimited". */
export type Rlimits = Partial<Record<RlimitName, RlimitValue>>;
export type RlimitValue = { soft: number | 'unlimited'; hard: number | 'unlimited' };
export const RLIMIT_NAMES = [
  'as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile',
  'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack',
] as const;
export type RlimitName = (typeof RLIMIT_NAMES)[number];

export interface RestartBackoff {
  /** Delay before the second restart in a row; the first is immediate. */
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  /** Running this long counts as stable and resets the backoff. */
  stableAfterMs: number;
  /** This many starts within burstIntervalMs puts the service in "failed". */
  burst: number;
  burstIntervalMs: number;
  /** A failed service is tried again after this long, rather than abandoned. */
  coolDownMs: number;
  /** systemd's RestartSec=: every restart waits exactly this long (no immediate first restart, no growth). */
  constantDelayMs?: number;
  /** systemd's start limit: after the burst the service stays failed until someone starts it. */
  stayFailed?: boolean;
}

export interface LogSettings {
  maxBytes: number;
  keep: number;
  /** Rotated files older than this are deleted. */
  maxAgeMs?: number;
}

/** Where a definition came from, for messages and for reload diffing. */
export interface Origin {
  format: 'toml' | 'sysv' | 'xinetd' | 'inetd' | 'systemd';
  file: string;
  line?: number;
}

export interface ProcessSettings {
  exec: string[];
  user?: string;
  group?: string;
  workingDirectory?: string;
  environment: Readonly<Record<string, string>>;
  environmentFile?: string;
  umask?: number;
  nice?: number;
  rlimits: Readonly<Rlimits>;
}

/**
 * A pre-forked pool: hearthd binds the listen sockets once and keeps several
 * copies of the program accepting on them, as Apache's prefork MPM does for
 * its own children, but for any program.
 */
export interface PoolSettings {
  /** Workers started with the pool (and the fixed size when minWorkers = maxWorkers and no spares are set). */
  startWorkers: number;
  /** Never fewer workers than this, idle or not. */
  minWorkers: number;
  maxWorkers: number;
  /** Grow while fewer workers than this are idle (Apache's MinSpareServers). */
  minSpare: number;
  /** Shrink while more than this are idle for idleTimeoutMs (MaxSpareServers). */
  maxSpare: number;
  idleTimeoutMs: number;
  /** A worker older than this is replaced (new one ready first); undefined = never. */
  maxAgeMs?: number;
  /** "listen-fds": sockets at fd 3.. with LISTEN_FDS; "stdin": the one socket at fd 0, as inetd's wait = yes servers expect. */
  socketFd: 'listen-fds' | 'stdin';
}

/** A service that is a scheduled job (crond / anacron style) rather than a long-running process. */
export interface TimerSettings {
  /** Cron text (5 or 6 fields, or @daily…), validated when the file was read. */
  schedule?: string;
  /** Or a fixed interval. */
  everyMs?: number;
  /** Run once at start when a run was missed while hearthd or the machine was down (anacron). */
  persistent: boolean;
  /** Up to this much random delay before a run (spreads the load). */
  randomDelayMs: number;
  /** What to do when a run is due while the previous one still runs ("parallel": start it anyway, as cron does). */
  overlap: 'skip' | 'queue' | 'kill' | 'parallel';
  /** A run still going after this long is stopped (stop_signal, then SIGKILL). */
  timeoutMs?: number;
  /** Start this service instead of running exec. */
  startService?: string;
}

/**
 * Resource limits of a unit, enforced through its cgroup: the whole unit (every
 * process it started) is limited together, as systemd's MemoryMax= and friends.
 */
export interface ResourceLimits {
  /** Bytes; the unit is OOM-killed above this (memory.max / memory.limit_in_bytes). */
  memoryMax?: number;
  /** Bytes; the unit is slowed down and reclaimed above this (cgroup v2 memory.high). */
  memoryHigh?: number;
  /** Processes and threads (pids.max): a fork bomb stops here. */
  tasksMax?: number;
  /** 1–10000, default 100: share of CPU under contention (cpu.weight / cpu.shares). */
  cpuWeight?: number;
  /** Percent of one CPU (200 = two CPUs): a hard cap (cpu.max / cfs_quota_us). */
  cpuMaxPercent?: number;
  /** 1–10000, default 100: share of disk time (io.weight / blkio.weight). */
  ioWeight?: number;
}

export const LIMIT_KEYS = ['memory_max', 'memory_high', 'tasks_max', 'cpu_weight', 'cpu_max', 'io_weight'] as const;
export type LimitKey = (typeof LIMIT_KEYS)[number];

/** Whether this host lets hearth enforce a limit, and how or why not. */
export type LimitSupport = Record<LimitKey, { ok: true; via: string } | { ok: false; why: string }>;

/**
 * Which processes a stop reaches (systemd's KillMode): every process of the
 * unit ("control-group"), the stop signal to the main process only and SIGKILL
 * to all ("mixed"), or the main process only ("process").
 */
export type KillMode = 'control-group' | 'mixed' | 'process';

export interface ServiceDefinition extends ProcessSettings {
  name: string;
  description: string;
  origin: Origin;
  /**
   * "simple" runs in the foreground; "forking" double-forks and leaves a
   * pidfile (without one: the launcher's exit 0 is readiness); "oneshot" runs
   * its command(s) to the end, and is done (or, with remainAfterExit, up) then.
   */
  type: 'simple' | 'forking' | 'oneshot';
  pidFile?: string;
  restart: RestartPolicy;
  backoff: Readonly<RestartBackoff>;
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  /** Default "control-group". */
  killMode?: KillMode;
  /** Enforced through the unit's cgroup; empty when none are set. */
  limits?: ResourceLimits;
  reloadSignal: NodeJS.Signals;
  ready: Readonly<Readiness>;
  startTimeoutMs: number;
  /** Sockets hearthd binds and hands over by the LISTEN_FDS protocol ("tcp://127.0.0.1:8080", "udp://[::]:53", "unix:/run/x.sock"). */
  listen: readonly string[];
  /** "start": spawn at start; "on-demand": spawn when the first connection or datagram arrives. */
  activation: 'start' | 'on-demand';
  /** Set for a pre-forked worker pool on the listen sockets. */
  pool?: PoolSettings;
  /** Set for a scheduled job: run on a schedule instead of kept running. */
  timer?: TimerSettings;
  runlevels: readonly number[];
  requires: readonly string[];
  after: readonly string[];
  before: readonly string[];
  provides: readonly string[];
  log: Readonly<LogSettings>;
  /** Commands around the main one (systemd's Exec*=). */
  commands?: ServiceCommands;
  /** A oneshot whose commands all succeeded stays "running" (systemd's RemainAfterExit=). */
  remainAfterExit?: boolean;
  /** Exits that count as clean besides code 0 (systemd's SuccessExitStatus=, plus the four clean signals for units). */
  successExit?: ExitSet;
  /** An unclean exit that is not restarted leaves the service "failed" rather than "exited" (systemd's way). */
  failedAfterUncleanExit?: boolean;
  /** Exits after which the service is never restarted / always restarted, whatever `restart` says. */
  restartPrevent?: ExitSet;
  restartForce?: ExitSet;
  /** Made before start; runtime ones removed after stop (unless preserveRuntimeDirectories). */
  directories?: ServiceDirectory[];
  preserveRuntimeDirectories?: 'no' | 'yes' | 'restart';
  /** Default: both to the journal. */
  output?: { stdout: OutputTarget; stderr: OutputTarget };
  /** Supplementary groups besides the user's own (setpriv --groups). */
  supplementaryGroups?: string[];
  /** Files in systemd's EnvironmentFile= syntax, read at every start, after `environment`. */
  environmentFiles?: Array<{ path: string; optional: boolean }>;
  /** Variables taken from hearthd's own environment (PassEnvironment=), and ones removed at the end (UnsetEnvironment=). */
  passEnvironment?: string[];
  unsetEnvironment?: string[];
  /** The kernel's OOM score adjustment, -1000..1000. */
  oomScoreAdjust?: number;
  /** Whether SIGPIPE is ignored in the service's processes (systemd's default), applied by hearth-exec. */
  ignoreSigpipe?: boolean;
  sandbox?: SandboxSettings;
  stop?: StopSettings;
  /** The service is stopped when it has run this long (systemd's RuntimeMaxSec=). */
  runtimeMaxMs?: number;
  /**
   * When the log cannot be written (disk full): "drop" records and write a
   * gap record later (default), or "block": hold them and stop reading the
   * service's output, so it waits in write() and loses nothing.
   */
  onLogFull?: 'drop' | 'block';
}

/*
 * Defaults and empty settings are shared by every definition that keeps them,
 * frozen: a definition is never changed in place (a reload makes new ones),
 * and 10,000 services need not hold 10,000 copies of an empty list.
 */
export const DEFAULT_BACKOFF: Readonly<RestartBackoff> = Object.freeze({
  initialDelayMs: 100,
  maxDelayMs: 30_000,
  multiplier: 2,
  stableAfterMs: 10_000,
  burst: 5,
  burstIntervalMs: 10_000,
  coolDownMs: 60_000,
});

export const DEFAULT_LOG: Readonly<LogSettings> = Object.freeze({ maxBytes: 10 * 1024 * 1024, keep: 5 });
export const DEFAULT_RUNLEVELS: readonly number[] = Object.freeze([2, 3, 4, 5]);
export const NO_NAMES: readonly string[] = Object.freeze([]);
export const NO_ENVIRONMENT: Readonly<Record<string, string>> = Object.freeze({});
export const NO_RLIMITS: Readonly<Rlimits> = Object.freeze({});
export const READY_AT_ONCE: Readonly<Readiness> = Object.freeze({ kind: 'none' });

/**
 * Service names become file names, socket paths and URL segments: keep them
 * tame. systemd unit names add ":" (per-connection instances such as
 * ssh@1-127.0.0.1:22-127.0.0.1:5000.service) and "\\" (escapes such as
 * \x2d), and may be up to 256 characters long.
 */
export const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@:\\-]{0,255}$/;

export function isValidServiceName(name: string): boolean {
  return SERVICE_NAME.test(name) && !name.includes('..');
}
