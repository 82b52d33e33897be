/**
 * A loaded .service unit as the definition hearth's supervisor runs: the
 * same ServiceDefinition native service files become, with the optional
 * parts systemd needs (commands, exit sets, directories, sandbox…). What the
 * supervisor cannot do the way the unit asks is said here, once, as a
 * diagnostic on the unit: a refusal (the unit is not started) or an
 * approximation (it runs, a little differently).
 */
import type {
  CommandLine, ExitSet, LimitSupport, LogSettings, OutputTarget, ResourceLimits, Rlimits, RlimitName as HearthRlimit, SandboxSettings,
  ServiceDefinition, ServiceDirectory,
} from '../model/index.js';
import { DEFAULT_BACKOFF, NO_NAMES } from '../model/index.js';
import type { UnitDiagnostic } from './diagnostics.js';
import type { CgroupContext, ExecCommand, ExecContext, ExitStatusSet, Percent, StdioSetting, SystemdUnit } from './model.js';
import type { HostFacts } from './specifiers.js';
import { CAPABILITIES, signalName, type RlimitName } from './values.js';

/** setTimeout's longest wait (about 24.8 days): systemd's "infinity" for timeouts. */
export const LONGEST_TIMEOUT_MS = 2 ** 31 - 1;
const ALL_CAPS = (1n << 64n) - 1n;
/** The signals systemd counts as a clean end of a daemon (not of a oneshot's command). */
const CLEAN_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGPIPE'];
/**
 * systemd's own daemons and tools (systemd-journald, systemd-logind,
 * systemd-tmpfiles, systemctl …) talk to systemd as PID 1 or replace what
 * hearth does itself; units that run them are loaded but never started.
 */
/**
 * systemd's own programs: under /lib/systemd, or its tools in the bin dirs. A
 * package's own script that merely has "systemd" in its name (memcached's
 * systemd-memcached-wrapper, dnsmasq's systemd-helper) is not one of them.
 */
const SYSTEMD_ITSELF = /^\/(?:usr\/)?lib\/systemd\/|^\/(?:usr\/)?s?bin\/(?:systemd-[^/]*|systemctl|journalctl|udevadm|loginctl|networkctl|resolvectl|timedatectl|hostnamectl|localectl|bootctl)$/;

export interface TranslateOptions {
  log: LogSettings;
  /** Roots of RuntimeDirectory= and friends (/run, /var/lib …). */
  host: Pick<HostFacts, 'dirs'>;
  /** Which cgroup limits this host enforces; a limit it cannot enforce is reported, not refused. */
  limitSupport?: LimitSupport;
  /** Whether the hearth-exec helper is built (sandbox, OOMScoreAdjust=, IgnoreSIGPIPE=, "@"). */
  execHelper: boolean;
  /** hearthd's own hard RLIMIT_NOFILE when it may not raise it: higher LimitNOFILE= values are lowered to it. */
  nofileCeiling?: number;
  /** The memory and task totals percentages are taken of (MemoryMax=50%). */
  totals?: { memoryBytes: number; tasks: number };
}

export interface Translation {
  definition?: ServiceDefinition;
  /** Refusals (severity error: the unit cannot start) and approximations made at translation (info). */
  problems: UnitDiagnostic[];
}

function usecToMs(usec: number): number {
  return Number.isFinite(usec) ? Math.min(Math.round(usec / 1000), LONGEST_TIMEOUT_MS) : LONGEST_TIMEOUT_MS;
}

function signalNameOf(n: number): NodeJS.Signals {
  return signalName(n) as NodeJS.Signals;
}

function exitSet(s: ExitStatusSet, extraSignals: string[] = []): ExitSet {
  return { codes: [...s.statuses], signals: [...new Set([...extraSignals, ...s.signals.map(signalName)])] };
}

export function commandLine(c: ExecCommand): CommandLine {
  return {
    argv: [c.path, ...c.argv.slice(1)],
    ...(c.argv[0] !== c.path ? { argv0: c.argv[0]! } : {}),
    ...(c.ignoreFailure ? { ignoreFailure: true } : {}),
    expandVariables: !c.noEnvExpand,
    ...(c.fullPrivileges ? { privileges: 'full' as const } : c.noSetuid || c.ambientMagic ? { privileges: 'no-user-switch' as const } : {}),
  };
}

function capabilityNames(set: bigint): string[] {
  return CAPABILITIES.filter((_, i) => (set & (1n << BigInt(i))) !== 0n);
}

const OUTPUT_KINDS: Record<string, OutputTarget['kind']> = { null: 'null', inherit: 'inherit', socket: 'socket', file: 'file', append: 'file', truncate: 'file' };

function outputTarget(s: StdioSetting): OutputTarget {
  const kind = OUTPUT_KINDS[s.type] ?? 'journal';
  if (kind === 'file') return { kind, path: s.path!, mode: s.type === 'append' ? 'append' : s.type === 'truncate' ? 'truncate' : 'write' };
  return { kind } as OutputTarget;
}

function directories(exec: ExecContext, host: TranslateOptions['host']): ServiceDirectory[] {
  const roots = { runtime: host.dirs.runtime, state: host.dirs.state, cache: host.dirs.cache, logs: host.dirs.logs, configuration: host.dirs.config } as const;
  const out: ServiceDirectory[] = [];
  for (const kind of ['runtime', 'state', 'cache', 'logs', 'configuration'] as const) {
    const { paths, mode } = exec.directories[kind];
    for (const p of paths) out.push({ kind, mode, path: `${roots[kind]}/${p.path}`, ...(p.link ? { link: `${roots[kind]}/${p.link}` } : {}) });
  }
  return out;
}

function rlimits(exec: ExecContext, ceiling: number | undefined, note: (m: string) => void): Rlimits {
  const out: Rlimits = {};
  for (const [name, v] of Object.entries(exec.limits) as Array<[RlimitName, { soft: number; hard: number }]>) {
    let { soft, hard } = v;
    if (name === 'NOFILE' && ceiling !== undefined && hard > ceiling) {
      note(`LimitNOFILE=${Number.isFinite(hard) ? hard : 'infinity'} is lowered to ${ceiling}: hearthd may not raise the hard limit on this host`);
      hard = ceiling;
      soft = Math.min(soft, ceiling);
    }
    const value = (n: number) => (Number.isFinite(n) ? n : ('unlimited' as const));
    out[name.toLowerCase() as HearthRlimit] = { soft: value(soft), hard: value(hard) };
  }
  return out;
}

function resourceLimits(c: CgroupContext, o: TranslateOptions, note: (m: string) => void): ResourceLimits {
  const bytes = (v: number | Percent | undefined, total: number | undefined) =>
    v === undefined ? undefined : typeof v === 'number' ? (Number.isFinite(v) ? v : undefined) : total !== undefined ? Math.floor((total * v.percent) / 100) : undefined;
  const wanted: Array<[keyof ResourceLimits, string, number | undefined, keyof LimitSupport]> = [
    ['memoryMax', 'MemoryMax', bytes(c.memoryMax, o.totals?.memoryBytes), 'memory_max'],
    ['memoryHigh', 'MemoryHigh', bytes(c.memoryHigh, o.totals?.memoryBytes), 'memory_high'],
    ['tasksMax', 'TasksMax', bytes(c.tasksMax, o.totals?.tasks), 'tasks_max'],
    ['cpuWeight', 'CPUWeight', c.cpuWeight, 'cpu_weight'],
    ['cpuMaxPercent', 'CPUQuota', c.cpuQuotaPercent, 'cpu_max'],
    ['ioWeight', 'IOWeight', c.ioWeight, 'io_weight'],
  ];
  const out: ResourceLimits = {};
  for (const [field, key, value, support] of wanted) {
    if (value === undefined) continue;
    const s = o.limitSupport?.[support];
    if (s && !s.ok) {
      note(`${key}= is not enforced on this host: ${s.why}`);
      continue;
    }
    out[field] = value;
  }
  return out;
}

function sandbox(exec: ExecContext): SandboxSettings | undefined {
  const s: SandboxSettings = {};
  if (exec.noNewPrivileges) s.noNewPrivileges = true;
  if (exec.privateTmp) s.privateTmp = true;
  if (exec.protectSystem !== 'no') s.protectSystem = exec.protectSystem;
  if (exec.protectHome !== 'no') s.protectHome = exec.protectHome;
  if (exec.readWritePaths.length) s.readWritePaths = [...exec.readWritePaths];
  if (exec.readOnlyPaths.length) s.readOnlyPaths = [...exec.readOnlyPaths];
  if (exec.inaccessiblePaths.length) s.inaccessiblePaths = [...exec.inaccessiblePaths];
  if (exec.capabilityBoundingSet !== ALL_CAPS) s.capabilityBoundingSet = capabilityNames(exec.capabilityBoundingSet);
  if (exec.ambientCapabilities !== 0n) s.ambientCapabilities = capabilityNames(exec.ambientCapabilities);
  return Object.keys(s).length ? s : undefined;
}

/**
 * DynamicUser=: systemd allocates a fresh uid per start; hearth runs the unit
 * as its User= account (or nobody) with the protections DynamicUser= implies.
 */
function dynamicUser(exec: ExecContext): ExecContext {
  if (!exec.dynamicUser) return exec;
  return {
    ...exec,
    user: exec.user ?? 'nobody',
    group: exec.group ?? (exec.user === undefined ? 'nogroup' : undefined),
    protectSystem: 'strict',
    protectHome: exec.protectHome === 'no' ? 'read-only' : exec.protectHome,
    privateTmp: true,
    noNewPrivileges: true,
  };
}

export function serviceDefinition(unit: SystemdUnit, o: TranslateOptions): Translation {
  const problems: UnitDiagnostic[] = [];
  const where = { unit: unit.name, ...(unit.fragmentPath ? { file: unit.fragmentPath } : {}) };
  const refuse = (message: string): Translation => ({ problems: [...problems, { severity: 'error', kind: 'bad-unit', message, ...where }] });
  const note = (message: string) => problems.push({ severity: 'info', kind: 'approximated', message, ...where });
  const s = unit.service;
  if (!s || unit.loadState !== 'loaded') return refuse(`${unit.name} is ${unit.loadState}; it cannot be started`);
  const input = s.exec.standardInput.type;
  if (input !== 'null' && input !== 'socket' && input !== 'file') return refuse(`StandardInput=${input} is not supported by hearth; refusing to start ${unit.name}`);
  const own = s.execStart.find((c) => SYSTEMD_ITSELF.test(c.path));
  if (own) return refuse(`${unit.name} runs a part of systemd itself (${own.path}), which needs systemd as the service manager; hearth does not run it`);
  let exec = dynamicUser(s.exec);
  if (s.exec.dynamicUser) note(`DynamicUser=yes runs as the fixed account "${exec.user}"${exec.group ? `:"${exec.group}"` : ''} with ProtectSystem=strict, PrivateTmp= and NoNewPrivileges=, not as a fresh user per start`);
  const sandboxed = sandbox(exec);
  const needsHelper = sandboxed !== undefined && (sandboxed.privateTmp || sandboxed.protectSystem || sandboxed.protectHome || sandboxed.readOnlyPaths || sandboxed.readWritePaths || sandboxed.inaccessiblePaths);
  if (!o.execHelper && (needsHelper || exec.oomScoreAdjust !== undefined)) return refuse(`${unit.name} asks for a sandbox or OOMScoreAdjust=, which need the hearth-exec helper, and it is not built`);
  if (!o.execHelper && exec.ignoreSigpipe) {
    note('IgnoreSIGPIPE=yes is not applied: the hearth-exec helper is not built');
    exec = { ...exec, ignoreSigpipe: false };
  }
  if (s.kill.killMode === 'none') note('KillMode=none: hearth stops the main process (as KillMode=process), it never leaves a unit unstopped');
  const starts = s.execStart.map(commandLine);
  const home = exec.workingDirectory?.path === '~';
  const typeMap = { simple: 'simple', exec: 'simple', idle: 'simple', dbus: 'simple', notify: 'simple', 'notify-reload': 'simple', forking: 'forking', oneshot: 'oneshot' } as const;
  if (s.type === 'idle') note('Type=idle runs as Type=simple: hearth has no job queue to wait for');
  if (s.type === 'notify-reload') note('Type=notify-reload reloads with SIGHUP and does not wait for RELOADING=1/READY=1');
  const intervalMs = unit.unit.startLimitIntervalUsec !== undefined ? usecToMs(unit.unit.startLimitIntervalUsec) : 10_000;
  const definition: ServiceDefinition = {
    name: unit.name,
    description: unit.unit.description ?? '',
    origin: { format: 'systemd', file: unit.fragmentPath ?? unit.name },
    exec: starts[0]?.argv ?? [],
    environment: Object.fromEntries(exec.environment),
    ...(exec.environmentFiles.length ? { environmentFiles: exec.environmentFiles.map((f) => ({ path: f.path, optional: f.optional })) } : {}),
    ...(exec.user !== undefined ? { user: exec.user } : {}),
    ...(exec.group !== undefined ? { group: exec.group } : {}),
    ...(exec.supplementaryGroups.length ? { supplementaryGroups: [...exec.supplementaryGroups] } : {}),
    // "~" is the user's home, which the launch looks up; unset is "/" for a system manager.
    ...(home ? {} : { workingDirectory: exec.workingDirectory?.path ?? '/' }),
    umask: exec.umask,
    ...(exec.nice !== undefined ? { nice: exec.nice } : {}),
    ...(exec.oomScoreAdjust !== undefined ? { oomScoreAdjust: exec.oomScoreAdjust } : {}),
    ...(exec.ignoreSigpipe ? { ignoreSigpipe: true } : {}),
    ...(exec.passEnvironment.length ? { passEnvironment: [...exec.passEnvironment] } : {}),
    ...(exec.unsetEnvironment.length ? { unsetEnvironment: [...exec.unsetEnvironment] } : {}),
    rlimits: rlimits(exec, o.nofileCeiling, note),
    type: typeMap[s.type],
    ...(s.pidFile !== undefined && s.type === 'forking' ? { pidFile: s.pidFile } : {}),
    restart: s.restart === 'no' ? 'never' : s.restart,
    backoff: {
      ...DEFAULT_BACKOFF,
      constantDelayMs: usecToMs(s.restartUsec),
      stayFailed: true,
      // StartLimitIntervalSec=0 turns the limit off.
      burst: intervalMs === 0 ? Number.MAX_SAFE_INTEGER : (unit.unit.startLimitBurst ?? 5),
      burstIntervalMs: intervalMs === 0 ? 1 : intervalMs,
    },
    stopSignal: signalNameOf(s.kill.killSignal),
    stopTimeoutMs: usecToMs(s.timeoutStopUsec),
    killMode: s.kill.killMode === 'none' ? 'process' : s.kill.killMode,
    stop: { sendSigkill: s.kill.sendSigkill, sendSighup: s.kill.sendSighup },
    limits: resourceLimits(s.cgroup, o, note),
    reloadSignal: 'SIGHUP',
    ready: s.type === 'notify' || s.type === 'notify-reload' ? { kind: 'notify' } : s.type === 'dbus' && s.busName !== undefined ? { kind: 'dbus', name: s.busName } : { kind: 'none' },
    startTimeoutMs: usecToMs(s.timeoutStartUsec),
    listen: NO_NAMES,
    activation: 'start',
    runlevels: [],
    requires: NO_NAMES,
    after: NO_NAMES,
    before: NO_NAMES,
    provides: NO_NAMES,
    log: o.log,
    commands: {
      ...(s.execCondition.length ? { condition: s.execCondition.map(commandLine) } : {}),
      ...(s.execStartPre.length ? { startPre: s.execStartPre.map(commandLine) } : {}),
      start: starts,
      ...(s.execStartPost.length ? { startPost: s.execStartPost.map(commandLine) } : {}),
      ...(s.execReload.length ? { reload: s.execReload.map(commandLine) } : {}),
      ...(s.execStop.length ? { stop: s.execStop.map(commandLine) } : {}),
      ...(s.execStopPost.length ? { stopPost: s.execStopPost.map(commandLine) } : {}),
    },
    ...(s.remainAfterExit ? { remainAfterExit: true } : {}),
    successExit: exitSet(s.successExitStatus, s.type === 'oneshot' ? [] : CLEAN_SIGNALS),
    failedAfterUncleanExit: true,
    ...(s.restartPreventExitStatus.statuses.length + s.restartPreventExitStatus.signals.length ? { restartPrevent: exitSet(s.restartPreventExitStatus) } : {}),
    ...(s.restartForceExitStatus.statuses.length + s.restartForceExitStatus.signals.length ? { restartForce: exitSet(s.restartForceExitStatus) } : {}),
    ...(directories(exec, o.host).length ? { directories: directories(exec, o.host) } : {}),
    ...(exec.runtimeDirectoryPreserve !== 'no' ? { preserveRuntimeDirectories: exec.runtimeDirectoryPreserve } : {}),
    output: {
      // With StandardInput=socket, systemd's default for StandardOutput= is the socket too.
      stdout: input === 'socket' && !unit.settings.some((x) => x.section === 'Service' && x.key === 'StandardOutput') ? { kind: 'inherit' } : outputTarget(exec.standardOutput),
      stderr: outputTarget(exec.standardError),
    },
    ...(sandboxed ? { sandbox: sandboxed } : {}),
    ...(Number.isFinite(s.runtimeMaxUsec) ? { runtimeMaxMs: usecToMs(s.runtimeMaxUsec) } : {}),
  };
  return { definition, problems };
}
