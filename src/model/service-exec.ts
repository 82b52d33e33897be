/**
 * What a service may need beyond one program kept running: commands before,
 * after and instead of it, exit statuses that count as success, directories
 * made for it, where its output goes and the sandbox it runs in. systemd
 * units need all of it; native service files may use any of it too. Every
 * field is optional, and a definition without them behaves as before.
 */

/** One command line with systemd's Exec*= prefixes as flags. */
export interface CommandLine {
  /** Program and arguments; the program is an absolute path or a name looked up in PATH. */
  argv: string[];
  /** What the program sees as argv[0] (systemd's "@"); default: the program as given. */
  argv0?: string;
  /** A non-zero exit or a signal is not a failure (systemd's "-"). */
  ignoreFailure?: boolean;
  /** `$VAR` and `${VAR}` in arguments are replaced at start, by systemd's rules (false: systemd's ":"). */
  expandVariables?: boolean;
  /** "full": hearthd's own rights, no user switch, no sandbox (systemd's "+"); "no-user-switch": the sandbox but not User= ("!"). */
  privileges?: 'full' | 'no-user-switch';
}

/** The commands of a service's life, in systemd's order. */
export interface ServiceCommands {
  /** Exit 0: start; 1–254: skip the start quietly (not a failure); 255 or a signal: the start fails. */
  condition?: CommandLine[];
  startPre?: CommandLine[];
  /** The main command(s) with their flags; replaces `exec`. Several only for type "oneshot", run one after another. */
  start?: CommandLine[];
  /** After the service is ready. */
  startPost?: CommandLine[];
  /** Instead of the reload signal. $MAINPID is set. */
  reload?: CommandLine[];
  /** Asked to stop: these run first, then whatever is left gets the stop signal. $MAINPID is set. */
  stop?: CommandLine[];
  /** After the service stopped or failed, whatever the reason. */
  stopPost?: CommandLine[];
}

/** Exit statuses and signals, by number and name. */
export interface ExitSet {
  codes: number[];
  /** Signal names ("SIGTERM"). */
  signals: string[];
}

/** A directory made for the service before it starts, owned by its user (systemd's RuntimeDirectory= and friends). */
export interface ServiceDirectory {
  /** Absolute. */
  path: string;
  mode: number;
  kind: 'runtime' | 'state' | 'cache' | 'logs' | 'configuration';
  /** A symlink to make to it (StateDirectory=a:b). */
  link?: string;
}

/** Where a stream of the service's output goes. */
export type OutputTarget =
  | { kind: 'journal' }
  | { kind: 'null' }
  /** stderr: wherever stdout goes; stdout: stdin's target, which is /dev/null. */
  | { kind: 'inherit' }
  | { kind: 'file'; path: string; mode: 'write' | 'append' | 'truncate' }
  /** The connection of a per-connection service (StandardOutput=socket). */
  | { kind: 'socket' };

/**
 * What the service's processes may see and do, built with a mount namespace
 * (the hearth-exec helper) and setpriv. Each field is one systemd setting.
 */
export interface SandboxSettings {
  noNewPrivileges?: boolean;
  privateTmp?: boolean;
  protectSystem?: 'no' | 'yes' | 'full' | 'strict';
  protectHome?: 'no' | 'yes' | 'read-only' | 'tmpfs';
  /** "-" in front: ignored when missing. */
  readWritePaths?: string[];
  readOnlyPaths?: string[];
  inaccessiblePaths?: string[];
  /** Capability names (cap_net_bind_service …) the process may keep at most; undefined: unrestricted. */
  capabilityBoundingSet?: string[];
  /** Capabilities kept across the switch to User= (ambient). */
  ambientCapabilities?: string[];
}

/** How a stop goes beyond the stop signal (systemd's kill settings). */
export interface StopSettings {
  /** false: after stop_timeout, give up instead of SIGKILL (the processes are left running). */
  sendSigkill?: boolean;
  /** SIGHUP right after the stop signal (for shells and the like). */
  sendSighup?: boolean;
  /** What goes instead of SIGKILL. */
  finalSignal?: NodeJS.Signals;
}
