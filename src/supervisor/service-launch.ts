import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { HearthError } from '../errors/index.js';
import type { CommandLine, ServiceDefinition } from '../model/index.js';
import { buildLaunch, lookupUser, rlimitSpecs, serviceNofileLimit, resolveExecutable, serviceEnvironment, DEFAULT_PATH, type LaunchOptions, type UserInfo } from '../process/index.js';
import type { UnitTracking } from '../boundary/index.js';
import { parseEnvFile } from '../config/index.js';
import { withListenPid } from '../superserver/index.js';
import { nativeHelperPath } from '../native/index.js';
import { expandExecArgv } from '../systemd/exec-variables.js';
import { readEnvironmentFiles, readSmallFile } from './service-exec.js';
import { argv0Wrapper, execHelperArgs, type PrivateTmp } from './sandbox-args.js';

export { ENVIRONMENT_FILE_MAX_BYTES } from './service-exec.js';

export interface ServiceLaunch {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /**
   * With extras.launcher "helper": what the helper does itself before it
   * execs `file` (no hearth-cgexec or prlimit in the chain then).
   */
  helper?: { rlimits: string[]; cgroup?: string; joins?: string[] };
}

export interface LaunchExtras {
  /** $NOTIFY_SOCKET for ready = "notify". */
  notifySocket?: string;
  /** LISTEN_FDS and LISTEN_FDNAMES: the command is then wrapped so LISTEN_PID is the program's own pid. */
  activation?: Record<string, string>;
  /** The unit's process tracking (its cgroup and marker), and the leaf cgroup for this process. */
  unit?: { tracking: UnitTracking; leaf?: string };
  /** One of the service's commands (ExecStartPre= …) instead of its `exec`, with its prefixes. */
  command?: CommandLine;
  /** Variables of this run: $MAINPID, $RUNTIME_DIRECTORY, $EXIT_CODE … */
  extraEnv?: Record<string, string>;
  /** The unit's private /tmp and /var/tmp on the host (PrivateTmp=). */
  privateTmp?: PrivateTmp;
  /** Sockets a hearth-socket helper holds, fetched into fds firstFd… before the user switch. */
  receiveFds?: Array<{ controlPath: string; firstFd: number }>;
  /**
   * Who starts the process: Node's spawn, so wrappers at the head of the
   * chain join the cgroup and set the rlimits ("wrapper", the default), or
   * hearth-spawner, which does both itself ("helper", see ServiceLaunch.helper).
   */
  launcher?: 'wrapper' | 'helper';
}

let execHelper: string | null | undefined;
function execHelperPath(): string | null {
  if (execHelper === undefined) execHelper = nativeHelperPath('hearth-exec');
  return execHelper;
}

/**
 * Everything about starting one of a service's processes except the spawn
 * itself: the privilege-dropping command chain, the environment and the
 * working directory. Shared by single services, their other commands
 * (ExecStartPre= and friends), pool workers and timer runs, so all run a
 * program the same way.
 */
export function serviceLaunch(def: ServiceDefinition, configDir: string, extras: LaunchExtras = {}): ServiceLaunch {
  const command = extras.command;
  const envFile = def.environmentFile ? readEnvironmentFile(def, configDir) : undefined;
  const filesEnv = def.environmentFiles?.length ? readEnvironmentFiles(def) : undefined;
  const user = def.user !== undefined ? lookupUser(def.user) : undefined;
  const passed: Record<string, string> = {};
  for (const k of def.passEnvironment ?? []) if (process.env[k] !== undefined) passed[k] = process.env[k]!;
  const notify = extras.notifySocket !== undefined ? { NOTIFY_SOCKET: extras.notifySocket } : undefined;
  const env = serviceEnvironment(user, passed, envFile, def.environment, filesEnv, notify, extras.activation, extras.extraEnv);
  for (const u of def.unsetEnvironment ?? []) {
    const eq = u.indexOf('=');
    if (eq < 0) delete env[u];
    else if (env[u.slice(0, eq)] === u.slice(eq + 1)) delete env[u.slice(0, eq)];
  }

  let argv = command ? command.argv : def.exec;
  if (command?.expandVariables) argv = expandExecArgv(argv, new Map(Object.entries(env)));
  // A relative program path in a config file means relative to the config dir.
  const [program, ...args] = argv;
  if (program === undefined) throw new HearthError('ERR_SPAWN', `cannot start "${def.name}": the command is empty`);
  let exec = program.includes('/') && !isAbsolute(program) ? [join(configDir, program), ...args] : argv;
  if (command?.argv0 !== undefined) {
    // argv[0] is set by the last wrapper, right before the program: setpriv would not pass it on.
    const resolved = resolveExecutable(exec[0]!, env.PATH ?? DEFAULT_PATH, def.workingDirectory);
    exec = [...argv0Wrapper(execHelperPath(), def.name, command.argv0), resolved, ...exec.slice(1)];
  }
  // Services get the descriptor limit hearthd was started with, not the one it raised for itself.
  const nofile = serviceNofileLimit();
  const rlimits = { nofile: { soft: nofile.soft, hard: nofile.hard }, ...def.rlimits };
  const byHelper = extras.launcher === 'helper';
  // With cgroups, hearth-cgexec joins the unit and sets the rlimits in one exec; else prlimit does.
  // hearth-spawner does both itself, before the first exec.
  const prefix = byHelper ? undefined : extras.unit?.tracking.joinPrefix(extras.unit.leaf, rlimits);
  const inner = execHelperArgs(execHelperPath(), def, command ? { ...command, argv0: undefined } : undefined, extras.privateTmp, extras.receiveFds);
  const launch = buildLaunch({ ...def, exec, rlimits: prefix || byHelper ? {} : rlimits }, env, launchOptions(def, command, inner));
  const wrapped = extras.activation ? withListenPid(launch.file, launch.args) : launch;
  // Joining the cgroup comes first, so every wrapper after it already runs inside the unit.
  const chain = [...(prefix ?? []), wrapped.file, ...wrapped.args];
  const target = byHelper ? extras.unit?.tracking.joinTarget(extras.unit.leaf) : undefined;
  return {
    file: chain[0]!,
    args: chain.slice(1),
    cwd: workingDirectory(def, user),
    env: { ...env, ...(extras.unit?.tracking.marker ?? { HEARTH_SERVICE: def.name }) },
    ...(byHelper ? { helper: { rlimits: rlimitSpecs(rlimits), ...target } } : {}),
  };
}

/** systemd's "+" runs with hearthd's full rights; "!" keeps the sandbox but not the user switch. */
function launchOptions(def: ServiceDefinition, command: CommandLine | undefined, inner: string[]): LaunchOptions {
  if (command?.privileges === 'full') return { noUserSwitch: true };
  const s = def.sandbox;
  return {
    inner,
    ...(command?.privileges === 'no-user-switch' ? { noUserSwitch: true } : {}),
    ...(def.supplementaryGroups?.length ? { supplementaryGroups: def.supplementaryGroups } : {}),
    ...(s?.noNewPrivileges ? { noNewPrivileges: true } : {}),
    ...(s?.capabilityBoundingSet !== undefined ? { boundingSet: s.capabilityBoundingSet } : {}),
    ...(s?.ambientCapabilities?.length ? { ambientCapabilities: s.ambientCapabilities } : {}),
  };
}

function workingDirectory(def: ServiceDefinition, user: UserInfo | undefined): string {
  if (def.workingDirectory !== undefined) return def.workingDirectory;
  return homeOrRoot(user?.home);
}

function readEnvironmentFile(def: ServiceDefinition, configDir: string): Record<string, string> {
  const file = def.environmentFile!;
  const path = isAbsolute(file) ? file : join(configDir, file);
  const refuse = (why: string, cause?: unknown) =>
    new HearthError('ERR_SPAWN', `cannot start "${def.name}": environment_file "${path}" ${why}`, cause === undefined ? {} : { cause });
  const text = readSmallFile(path, refuse);
  if (text === undefined) throw refuse('cannot be opened: ENOENT');
  return parseEnvFile(text);
}

/** Like login(1): start in the user's home, or in / when it does not exist (nobody's /nonexistent). */
function homeOrRoot(home: string | undefined): string {
  if (home === undefined) return '/';
  try {
    return statSync(home).isDirectory() ? home : '/';
  } catch {
    return '/';
  }
}
