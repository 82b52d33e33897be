/**
 * Builds the typed sections of a unit from its interpreted settings, filling
 * in systemd's defaults, and applies the checks systemd makes once a unit
 * is loaded (a service without ExecStart=, several ExecStart= outside
 * oneshot …), which refuse the unit with systemd's wording.
 */
import type { UnitDiagnostic } from './diagnostics.js';
import type { SettingStore } from './interpret.js';
import type {
  CgroupContext, Condition, ExecCommand, ExecContext, ExecDirectory, ExitStatusSet, InstallSection, KillContext, Percent, RestartPolicy,
  ServiceSection, ServiceType, SocketSection, StdioSetting, TimerSection, TimerValue, UnitSection,
} from './model.js';
import type { SocketListen } from './socket-address.js';
import { INFINITY } from './time-span.js';
import { RLIMIT_NAMES, type Rlimit, type RlimitName } from './values.js';

const SEC = 1_000_000;
const DEFAULT_TIMEOUT = 90 * SEC;
const ALL_CAPS = (1n << 64n) - 1n;

export function buildUnitSection(s: SettingStore): UnitSection {
  const deps = (k: string) => [...new Set(s.list<string>('Unit', k))];
  const bool = (k: string, d: boolean) => s.get<boolean>('Unit', k) ?? d;
  const description = s.get<string>('Unit', 'Description');
  const interval = s.get<number>('Unit', 'StartLimitIntervalSec');
  const burst = s.get<number>('Unit', 'StartLimitBurst');
  return {
    ...(description !== undefined ? { description } : {}),
    documentation: s.list<string>('Unit', 'Documentation'),
    requires: deps('Requires'), requisite: deps('Requisite'), wants: deps('Wants'), bindsTo: deps('BindsTo'), partOf: deps('PartOf'),
    upholds: deps('Upholds'), conflicts: deps('Conflicts'), before: deps('Before'), after: deps('After'), onFailure: deps('OnFailure'),
    onSuccess: deps('OnSuccess'), propagatesReloadTo: deps('PropagatesReloadTo'), reloadPropagatedFrom: deps('ReloadPropagatedFrom'),
    propagatesStopTo: deps('PropagatesStopTo'), stopPropagatedFrom: deps('StopPropagatedFrom'), joinsNamespaceOf: deps('JoinsNamespaceOf'),
    requiresMountsFor: s.list<string>('Unit', 'RequiresMountsFor'),
    defaultDependencies: bool('DefaultDependencies', true), refuseManualStart: bool('RefuseManualStart', false),
    refuseManualStop: bool('RefuseManualStop', false), allowIsolate: bool('AllowIsolate', false), ignoreOnIsolate: bool('IgnoreOnIsolate', false),
    stopWhenUnneeded: bool('StopWhenUnneeded', false),
    ...(interval !== undefined ? { startLimitIntervalUsec: interval } : {}),
    ...(burst !== undefined ? { startLimitBurst: burst } : {}),
    conditions: s.list<Condition>('Unit', 'conditions'),
    asserts: s.list<Condition>('Unit', 'asserts'),
  };
}

export function buildInstallSection(s: SettingStore): InstallSection {
  const def = s.get<string>('Install', 'DefaultInstance');
  return {
    wantedBy: s.list('Install', 'WantedBy'), requiredBy: s.list('Install', 'RequiredBy'), alias: s.list('Install', 'Alias'), also: s.list('Install', 'Also'),
    ...(def !== undefined ? { defaultInstance: def } : {}),
  };
}

/** Folds CapabilityBoundingSet=/AmbientCapabilities= assignments the way systemd merges them. */
function capabilitySet(entries: Array<{ invert: boolean; caps: number[] }>, initial: bigint): bigint {
  let set = initial;
  for (const { invert, caps } of entries) {
    const sum = caps.reduce((acc, c) => acc | (1n << BigInt(c)), 0n);
    if (sum === 0n || set === initial) set = invert ? ~sum & ALL_CAPS : sum;
    else set = invert ? set & ~sum : set | sum;
  }
  return set;
}

function exitStatusSet(sets: ExitStatusSet[]): ExitStatusSet {
  return { statuses: [...new Set(sets.flatMap((x) => x.statuses))].sort((a, b) => a - b), signals: [...new Set(sets.flatMap((x) => x.signals))].sort((a, b) => a - b) };
}

export function buildExecContext(s: SettingStore, section: string): ExecContext {
  const get = <T>(k: string) => s.get<T>(section, k);
  const limits: Partial<Record<RlimitName, Rlimit>> = {};
  for (const r of RLIMIT_NAMES) {
    const v = get<Rlimit>(`Limit${r}`);
    if (v) limits[r] = v;
  }
  const dir = (k: string, mode: number) => ({ paths: s.list<ExecDirectory>(section, `${k}Directory`), mode: get<number>(`${k}DirectoryMode`) ?? mode });
  const journal: StdioSetting = { type: 'journal' };
  const ctx: ExecContext = {
    supplementaryGroups: s.list(section, 'SupplementaryGroups'),
    dynamicUser: get<boolean>('DynamicUser') ?? false,
    environment: s.list(section, 'Environment'),
    environmentFiles: s.list(section, 'EnvironmentFile'),
    passEnvironment: s.list(section, 'PassEnvironment'),
    unsetEnvironment: s.list(section, 'UnsetEnvironment'),
    umask: get<number>('UMask') ?? 0o022,
    limits,
    directories: { runtime: dir('Runtime', 0o755), state: dir('State', 0o755), cache: dir('Cache', 0o755), logs: dir('Logs', 0o755), configuration: dir('Configuration', 0o755) },
    runtimeDirectoryPreserve: get<ExecContext['runtimeDirectoryPreserve']>('RuntimeDirectoryPreserve') ?? 'no',
    standardInput: get<StdioSetting>('StandardInput') ?? { type: 'null' },
    standardOutput: get<StdioSetting>('StandardOutput') ?? journal,
    standardError: get<StdioSetting>('StandardError') ?? { type: 'inherit' },
    ignoreSigpipe: get<boolean>('IgnoreSIGPIPE') ?? true,
    noNewPrivileges: get<boolean>('NoNewPrivileges') ?? false,
    privateTmp: get<boolean>('PrivateTmp') ?? false,
    protectSystem: get<ExecContext['protectSystem']>('ProtectSystem') ?? 'no',
    protectHome: get<ExecContext['protectHome']>('ProtectHome') ?? 'no',
    capabilityBoundingSet: capabilitySet(s.list(section, 'CapabilityBoundingSet'), ALL_CAPS),
    ambientCapabilities: capabilitySet(s.list(section, 'AmbientCapabilities'), 0n),
    readWritePaths: s.list(section, 'ReadWritePaths'),
    readOnlyPaths: s.list(section, 'ReadOnlyPaths'),
    inaccessiblePaths: s.list(section, 'InaccessiblePaths'),
    execSearchPath: s.list(section, 'ExecSearchPath'),
  };
  const optional: Array<[keyof ExecContext, string]> = [['user', 'User'], ['group', 'Group'], ['workingDirectory', 'WorkingDirectory'], ['nice', 'Nice'], ['oomScoreAdjust', 'OOMScoreAdjust'], ['syslogIdentifier', 'SyslogIdentifier']];
  for (const [field, key] of optional) {
    const v = get(key);
    if (v !== undefined) (ctx as unknown as Record<string, unknown>)[field] = v;
  }
  return ctx;
}

export function buildKillContext(s: SettingStore, section: string): KillContext {
  const restart = s.get<number>(section, 'RestartKillSignal');
  return {
    killMode: s.get(section, 'KillMode') ?? 'control-group',
    killSignal: s.get(section, 'KillSignal') ?? 15,
    ...(restart !== undefined ? { restartKillSignal: restart } : {}),
    finalKillSignal: s.get(section, 'FinalKillSignal') ?? 9,
    sendSigkill: s.get(section, 'SendSIGKILL') ?? true,
    sendSighup: s.get(section, 'SendSIGHUP') ?? false,
  };
}

export function buildCgroupContext(s: SettingStore, section: string): CgroupContext {
  const out: CgroupContext = {};
  const max = s.get<number | Percent>(section, 'MemoryMax') ?? s.get<number | Percent>(section, 'MemoryLimit');
  const pairs: Array<[keyof CgroupContext, unknown]> = [
    ['memoryMin', s.get(section, 'MemoryMin')], ['memoryLow', s.get(section, 'MemoryLow')], ['memoryHigh', s.get(section, 'MemoryHigh')],
    ['memoryMax', max], ['memorySwapMax', s.get(section, 'MemorySwapMax')], ['tasksMax', s.get(section, 'TasksMax')],
    ['cpuWeight', s.get(section, 'CPUWeight')], ['cpuQuotaPercent', s.get(section, 'CPUQuota')], ['ioWeight', s.get(section, 'IOWeight')],
  ];
  for (const [k, v] of pairs) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** The service section, and systemd's load-time refusals ("… Refusing."). */
export function buildServiceSection(s: SettingStore, unitName: string, diagnostics: UnitDiagnostic[]): { service: ServiceSection; refused: boolean } {
  const execs = (k: string) => s.list<ExecCommand>('Service', k);
  const explicitType = s.get<ServiceType>('Service', 'Type');
  const busName = s.get<string>('Service', 'BusName');
  const execStart = execs('ExecStart');
  const type: ServiceType = explicitType ?? (busName ? 'dbus' : execStart.length > 0 ? 'simple' : 'oneshot');
  const startTimeout = s.get<number>('Service', 'TimeoutStartSec');
  const restart = s.get<RestartPolicy>('Service', 'Restart') ?? 'no';
  const notify = s.get<ServiceSection['notifyAccess']>('Service', 'NotifyAccess');
  const service: ServiceSection = {
    type,
    exitType: s.get('Service', 'ExitType') ?? 'main',
    execCondition: execs('ExecCondition'), execStartPre: execs('ExecStartPre'), execStart, execStartPost: execs('ExecStartPost'),
    execReload: execs('ExecReload'), execStop: execs('ExecStop'), execStopPost: execs('ExecStopPost'),
    remainAfterExit: s.get('Service', 'RemainAfterExit') ?? false,
    restart,
    restartUsec: s.get('Service', 'RestartSec') ?? 100_000,
    timeoutStartUsec: startTimeout ?? (type === 'oneshot' ? INFINITY : DEFAULT_TIMEOUT),
    timeoutStopUsec: s.get('Service', 'TimeoutStopSec') ?? DEFAULT_TIMEOUT,
    runtimeMaxUsec: s.get('Service', 'RuntimeMaxSec') ?? INFINITY,
    successExitStatus: exitStatusSet(s.list('Service', 'SuccessExitStatus')),
    restartPreventExitStatus: exitStatusSet(s.list('Service', 'RestartPreventExitStatus')),
    restartForceExitStatus: exitStatusSet(s.list('Service', 'RestartForceExitStatus')),
    notifyAccess: notify ?? (type === 'notify' || type === 'notify-reload' ? 'main' : 'none'),
    guessMainPid: s.get('Service', 'GuessMainPID') ?? true,
    sockets: s.list('Service', 'Sockets'),
    exec: buildExecContext(s, 'Service'),
    kill: buildKillContext(s, 'Service'),
    cgroup: buildCgroupContext(s, 'Service'),
  };
  const pidFile = s.get<string>('Service', 'PIDFile');
  if (pidFile !== undefined) service.pidFile = pidFile;
  if (busName !== undefined) service.busName = busName;

  const refuse = (message: string) => {
    diagnostics.push({ severity: 'error', kind: 'bad-unit', unit: unitName, message });
    return { service, refused: true };
  };
  const hasSuccessAction = (s.get<string>('Unit', 'SuccessAction') ?? 'none') !== 'none';
  if (execStart.length === 0 && service.execStop.length === 0 && !hasSuccessAction) return refuse('Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.');
  if (type !== 'oneshot' && execStart.length === 0) return refuse('Service has no ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.');
  if (!service.remainAfterExit && execStart.length === 0 && !hasSuccessAction) return refuse('Service has no ExecStart= and no SuccessAction= settings and does not have RemainAfterExit=yes set. Refusing.');
  if (type !== 'oneshot' && execStart.length > 1) return refuse('Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.');
  if (type === 'oneshot' && (restart === 'always' || restart === 'on-success')) return refuse("Service has Restart= set to either always or on-success, which isn't allowed for Type=oneshot services. Refusing.");
  if (type === 'oneshot' && service.restartForceExitStatus.statuses.length + service.restartForceExitStatus.signals.length > 0) return refuse("Service has RestartForceExitStatus= set, which isn't allowed for Type=oneshot services. Refusing.");
  if (type === 'oneshot' && service.exitType === 'cgroup') return refuse("Service has ExitType=cgroup set, which isn't allowed for Type=oneshot services. Refusing.");
  if (type === 'dbus' && !busName) return refuse('Service is of type D-Bus but no D-Bus service name has been specified. Refusing.');
  return { service, refused: false };
}

export function buildSocketSection(s: SettingStore, unitName: string, diagnostics: UnitDiagnostic[]): { socket: SocketSection; refused: boolean } {
  const g = <T>(k: string) => s.get<T>('Socket', k);
  const maxConnections = g<number>('MaxConnections') ?? 64;
  const socket: SocketSection = {
    listen: s.list<SocketListen>('Socket', 'listen'),
    accept: g('Accept') ?? false,
    socketMode: g('SocketMode') ?? 0o666,
    directoryMode: g('DirectoryMode') ?? 0o755,
    maxConnections,
    maxConnectionsPerSource: g('MaxConnectionsPerSource') ?? maxConnections,
    bindIPv6Only: g('BindIPv6Only') ?? 'default',
    removeOnStop: g('RemoveOnStop') ?? false,
    symlinks: s.list('Socket', 'Symlinks'),
    reusePort: g('ReusePort') ?? false, freeBind: g('FreeBind') ?? false, noDelay: g('NoDelay') ?? false, keepAlive: g('KeepAlive') ?? false,
    execStartPre: s.list('Socket', 'ExecStartPre'), execStartPost: s.list('Socket', 'ExecStartPost'),
    execStopPre: s.list('Socket', 'ExecStopPre'), execStopPost: s.list('Socket', 'ExecStopPost'),
    timeoutUsec: g('TimeoutSec') ?? DEFAULT_TIMEOUT,
    exec: buildExecContext(s, 'Socket'),
    kill: buildKillContext(s, 'Socket'),
    cgroup: buildCgroupContext(s, 'Socket'),
  };
  const optional: Array<[keyof SocketSection, string]> = [['service', 'Service'], ['socketUser', 'SocketUser'], ['socketGroup', 'SocketGroup'], ['backlog', 'Backlog'], ['fileDescriptorName', 'FileDescriptorName']];
  for (const [field, key] of optional) {
    const v = g(key);
    if (v !== undefined) (socket as unknown as Record<string, unknown>)[field] = v;
  }
  const refuse = (message: string) => {
    diagnostics.push({ severity: 'error', kind: 'bad-unit', unit: unitName, message });
    return { socket, refused: true };
  };
  if (socket.listen.length === 0) return refuse('Unit has no Listen setting (ListenStream=, ListenDatagram=, ListenFIFO=, ...). Refusing.');
  if (socket.accept && socket.listen.some((l) => l.kind !== 'stream' && l.kind !== 'seqpacket')) return refuse('Unit configured for accepting sockets, but sockets are non-accepting. Refusing.');
  if (socket.accept && socket.maxConnections <= 0) return refuse('MaxConnection= setting too small. Refusing.');
  if (socket.accept && socket.service) return refuse('Explicit service configuration for accepting socket units not supported. Refusing.');
  return { socket, refused: false };
}

export function buildTimerSection(s: SettingStore, unitName: string, diagnostics: UnitDiagnostic[]): { timer: TimerSection; refused: boolean } {
  const g = <T>(k: string) => s.get<T>('Timer', k);
  const values = s.list<TimerValue>('Timer', 'timers');
  const timer: TimerSection = {
    values,
    persistent: g('Persistent') ?? false,
    accuracyUsec: g('AccuracySec') ?? 60 * SEC,
    randomizedDelayUsec: g('RandomizedDelaySec') ?? 0,
    fixedRandomDelay: g('FixedRandomDelay') ?? false,
    remainAfterElapse: g('RemainAfterElapse') ?? true,
    unit: g<string>('Unit') ?? unitName.replace(/\.timer$/, '.service'),
  };
  if (values.length === 0) {
    diagnostics.push({ severity: 'error', kind: 'bad-unit', unit: unitName, message: 'Timer unit lacks value setting. Refusing.' });
    return { timer, refused: true };
  }
  return { timer, refused: false };
}
