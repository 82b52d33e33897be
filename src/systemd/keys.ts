/**
 * Every key systemd 252 knows in the sections hearth reads, with how its
 * value is parsed and what hearth does with it. `support` is hearth's
 * promise, per key:
 *  - supported: hearth does what systemd does;
 *  - approximated: hearth does something close, described in `note`
 *    (docs/systemd.md lists them);
 *  - not-enforced: read and shown, but hearth does not act on it; `hearth
 *    check` and `hearth status` list it with file:line, never silently;
 *  - informational: has no behaviour to enforce (Description=, accounting
 *    switches), so no diagnostic.
 * A key absent from this table gets systemd's "Unknown key" warning.
 */
import type { KindName } from './setting-kinds.js';

export type Support = 'supported' | 'approximated' | 'not-enforced' | 'informational';

export interface KeySpec {
  kind: KindName;
  support: Support;
  note?: string;
  /** Keys sharing one list: an empty assignment of any of them resets it (conditions, Listen*=, timers). */
  group?: string;
  /** A legacy spelling: the value lands under this key. */
  aliasOf?: string;
  /** For approximated keys: the parsed values hearth handles exactly (no diagnostic for those). */
  exactFor?: (parsed: unknown) => boolean;
}

type Table = Record<string, KeySpec>;

function keys(names: string, kind: KindName, support: Support, note?: string, extra: Partial<KeySpec> = {}): Table {
  const out: Table = {};
  for (const name of names.split(/\s+/).filter(Boolean)) out[name] = { kind, support, ...(note ? { note } : {}), ...extra };
  return out;
}

function stdioIn(types: string[]): (parsed: unknown) => boolean {
  return (parsed) => types.includes((parsed as { type?: string } | undefined)?.type ?? '');
}

const NOT_SANDBOXED = 'hearth does not build this part of systemd\'s sandbox; the service runs without it';

const CONDITIONS_SUPPORTED = 'PathExists PathExistsGlob PathIsDirectory PathIsSymbolicLink PathIsMountPoint PathIsReadWrite DirectoryNotEmpty FileNotEmpty FileIsExecutable Virtualization Host KernelCommandLine KernelVersion Architecture Environment User Group Capability ACPower FirstBoot OSRelease Memory CPUs';
const CONDITIONS_OTHER = 'PathIsEncrypted NeedsUpdate Firmware Credential Security ControlGroupController CPUFeature MemoryPressure CPUPressure IOPressure';

function conditions(prefix: 'Condition' | 'Assert'): Table {
  const group = prefix === 'Condition' ? 'conditions' : 'asserts';
  const names = (list: string) => list.split(' ').map((n) => prefix + n).join(' ');
  return {
    ...keys(names(CONDITIONS_SUPPORTED), 'condition', 'supported', undefined, { group }),
    ...keys(names(CONDITIONS_OTHER), 'condition', 'not-enforced', 'hearth cannot evaluate this check and treats it as met', { group }),
  };
}

export const UNIT_KEYS: Table = {
  ...keys('Description Documentation SourcePath', 'string', 'informational'),
  Documentation: { kind: 'documentation', support: 'informational' },
  SourcePath: { kind: 'path', support: 'informational' },
  ...keys('Requires Requisite Wants BindsTo PartOf Conflicts Before After OnFailure OnSuccess', 'deps', 'supported'),
  BindTo: { kind: 'deps', support: 'supported', aliasOf: 'BindsTo' },
  ...keys('PropagatesReloadTo ReloadPropagatedFrom PropagatesStopTo StopPropagatedFrom', 'deps', 'supported'),
  PropagateReloadTo: { kind: 'deps', support: 'supported', aliasOf: 'PropagatesReloadTo' },
  PropagateReloadFrom: { kind: 'deps', support: 'supported', aliasOf: 'ReloadPropagatedFrom' },
  ...keys('Upholds', 'deps', 'not-enforced', 'hearth starts the unit once but does not keep restarting it while the upholding unit runs'),
  ...keys('JoinsNamespaceOf', 'deps', 'not-enforced', NOT_SANDBOXED),
  RequiresOverridable: { kind: 'obsoleteDeps', support: 'supported', aliasOf: 'Requires' },
  RequisiteOverridable: { kind: 'obsoleteDeps', support: 'supported', aliasOf: 'Requisite' },
  RequiresMountsFor: { kind: 'words', support: 'not-enforced', note: 'hearth does not manage mounts; it does not order after them' },
  DefaultDependencies: { kind: 'bool', support: 'approximated', note: 'hearth adds its own ordering against its boot targets, not systemd\'s full set' },
  ...keys('RefuseManualStart RefuseManualStop AllowIsolate IgnoreOnIsolate', 'bool', 'supported'),
  StopWhenUnneeded: { kind: 'bool', support: 'not-enforced', note: 'hearth does not stop units when nothing needs them any more' },
  IgnoreOnSnapshot: { kind: 'removed', support: 'informational' },
  ...keys('OnSuccessJobMode OnFailureJobMode', 'enumJobMode', 'approximated', 'hearth always starts OnFailure=/OnSuccess= units in "replace" mode'),
  OnFailureIsolate: { kind: 'bool', support: 'approximated', note: 'hearth always starts OnFailure= units in "replace" mode' },
  ...keys('JobTimeoutSec JobRunningTimeoutSec', 'sec', 'not-enforced', 'hearth has no job queue; start and stop timeouts apply instead'),
  ...keys('JobTimeoutAction StartLimitAction FailureAction SuccessAction', 'action', 'not-enforced', 'hearth never reboots or powers off the machine on a unit\'s behalf'),
  ...keys('JobTimeoutRebootArgument RebootArgument', 'string', 'not-enforced', 'hearth never reboots the machine on a unit\'s behalf'),
  ...keys('FailureActionExitStatus SuccessActionExitStatus', 'int', 'not-enforced', 'hearth never exits on a unit\'s behalf'),
  StartLimitIntervalSec: { kind: 'sec', support: 'supported' },
  StartLimitInterval: { kind: 'sec', support: 'supported', aliasOf: 'StartLimitIntervalSec' },
  StartLimitBurst: { kind: 'unsigned', support: 'supported' },
  CollectMode: { kind: 'enumCollectMode', support: 'informational' },
  ...conditions('Condition'),
  ...conditions('Assert'),
};

/** Settings shared by services and sockets: the process (systemd's exec context). */
export const EXEC_KEYS: Table = {
  ...keys('User Group', 'user', 'supported'),
  SupplementaryGroups: { kind: 'groups', support: 'supported' },
  DynamicUser: { kind: 'bool', support: 'approximated', note: 'hearth runs the service as a fixed, unprivileged account of its own instead of allocating a fresh user per start' },
  WorkingDirectory: { kind: 'workingDirectory', support: 'supported' },
  ...keys('RootDirectory RootImage RootVerity', 'path', 'not-enforced', NOT_SANDBOXED),
  ...keys('RootImageOptions RootHash RootHashSignature ExtensionDirectories ExtensionImages MountImages', 'raw', 'not-enforced', NOT_SANDBOXED),
  Nice: { kind: 'nice', support: 'supported' },
  OOMScoreAdjust: { kind: 'oomScore', support: 'supported' },
  ...keys('CoredumpFilter IOSchedulingClass IOSchedulingPriority CPUSchedulingPolicy CPUSchedulingPriority CPUAffinity NUMAPolicy NUMAMask', 'raw', 'not-enforced', 'hearth does not set scheduling or memory policy'),
  CPUSchedulingResetOnFork: { kind: 'bool', support: 'not-enforced', note: 'hearth does not set scheduling policy' },
  UMask: { kind: 'mode', support: 'supported' },
  Environment: { kind: 'environment', support: 'supported' },
  EnvironmentFile: { kind: 'environmentFile', support: 'supported' },
  ...keys('PassEnvironment UnsetEnvironment', 'words', 'supported'),
  RemoveIPC: { kind: 'bool', support: 'not-enforced', note: 'hearth does not remove the service user\'s IPC objects at stop' },
  StandardInput: { kind: 'input', support: 'approximated', note: 'hearth supports null, file: and socket (Accept=yes); tty modes, fd: and data are refused', exactFor: stdioIn(['null', 'file', 'socket']) },
  ...keys('StandardOutput StandardError', 'output', 'approximated', 'journal, null, inherit, file:, append:, truncate: and socket are supported; kmsg, tty and fd: go to hearth\'s journal', { exactFor: stdioIn(['journal', 'null', 'inherit', 'file', 'append', 'truncate', 'socket']) }),
  ...keys('StandardInputText StandardInputData', 'raw', 'not-enforced', 'hearth does not feed data to standard input'),
  ...keys('TTYPath', 'path', 'not-enforced', 'hearth does not run services on terminals'),
  ...keys('TTYReset TTYVHangup TTYVTDisallocate', 'bool', 'not-enforced', 'hearth does not run services on terminals'),
  ...keys('TTYRows TTYColumns', 'unsigned', 'not-enforced', 'hearth does not run services on terminals'),
  SyslogIdentifier: { kind: 'string', support: 'supported' },
  ...keys('SyslogFacility SyslogLevel', 'raw', 'approximated', 'recorded with each line in hearth\'s journal; priority prefixes are not parsed'),
  SyslogLevelPrefix: { kind: 'bool', support: 'approximated', note: 'priority prefixes such as <4> are kept as text' },
  ...keys('LogLevelMax LogExtraFields LogNamespace', 'raw', 'not-enforced', 'hearth\'s journal keeps every line'),
  LogRateLimitIntervalSec: { kind: 'sec', support: 'not-enforced', note: 'hearth\'s journal does not rate-limit' },
  LogRateLimitBurst: { kind: 'unsigned', support: 'not-enforced', note: 'hearth\'s journal does not rate-limit' },
  Capabilities: { kind: 'removed', support: 'informational' },
  ...keys('CapabilityBoundingSet AmbientCapabilities', 'capabilities', 'supported'),
  NoNewPrivileges: { kind: 'bool', support: 'supported' },
  PrivateTmp: { kind: 'bool', support: 'supported' },
  ProtectSystem: { kind: 'enumProtectSystem', support: 'supported' },
  ProtectHome: { kind: 'enumProtectHome', support: 'supported' },
  ...keys('ReadWritePaths ReadOnlyPaths InaccessiblePaths', 'words', 'supported'),
  ReadWriteDirectories: { kind: 'words', support: 'supported', aliasOf: 'ReadWritePaths' },
  ReadOnlyDirectories: { kind: 'words', support: 'supported', aliasOf: 'ReadOnlyPaths' },
  InaccessibleDirectories: { kind: 'words', support: 'supported', aliasOf: 'InaccessiblePaths' },
  ...keys('SecureBits KeyringMode ProtectProc ProcSubset SystemCallFilter SystemCallArchitectures SystemCallErrorNumber SystemCallLog RestrictNamespaces RestrictAddressFamilies RestrictFileSystems ExecPaths NoExecPaths BindPaths BindReadOnlyPaths TemporaryFileSystem NetworkNamespacePath IPCNamespacePath MountFlags Personality', 'words', 'not-enforced', NOT_SANDBOXED),
  ExecSearchPath: { kind: 'words', support: 'supported' },
  ...keys('MemoryDenyWriteExecute RestrictRealtime RestrictSUIDSGID LockPersonality PrivateDevices ProtectKernelTunables ProtectKernelModules ProtectKernelLogs ProtectClock ProtectControlGroups PrivateNetwork PrivateUsers PrivateMounts PrivateIPC ProtectHostname MountAPIVFS', 'bool', 'not-enforced', NOT_SANDBOXED),
  TimerSlackNSec: { kind: 'raw', support: 'not-enforced', note: 'hearth does not set the timer slack' },
  ...Object.fromEntries(['CPU', 'FSIZE', 'DATA', 'STACK', 'CORE', 'RSS', 'NOFILE', 'AS', 'NPROC', 'MEMLOCK', 'LOCKS', 'SIGPENDING', 'MSGQUEUE', 'NICE', 'RTPRIO', 'RTTIME'].map((r) => [`Limit${r}`, { kind: 'rlimit', support: 'supported' } satisfies KeySpec])),
  ...keys('RuntimeDirectory StateDirectory CacheDirectory LogsDirectory ConfigurationDirectory', 'execDirectories', 'supported'),
  ...keys('RuntimeDirectoryMode StateDirectoryMode CacheDirectoryMode LogsDirectoryMode ConfigurationDirectoryMode', 'mode', 'supported'),
  RuntimeDirectoryPreserve: { kind: 'enumPreserve', support: 'supported' },
  ...keys('SetCredential SetCredentialEncrypted LoadCredential LoadCredentialEncrypted', 'raw', 'not-enforced', 'hearth does not provide service credentials ($CREDENTIALS_DIRECTORY)'),
  TimeoutCleanSec: { kind: 'sec', support: 'not-enforced', note: 'hearth has no "clean" operation' },
  PAMName: { kind: 'string', support: 'not-enforced', note: 'hearth does not open PAM sessions' },
  IgnoreSIGPIPE: { kind: 'bool', support: 'supported' },
  UtmpIdentifier: { kind: 'string', support: 'not-enforced', note: 'hearth does not write utmp records' },
  UtmpMode: { kind: 'raw', support: 'not-enforced', note: 'hearth does not write utmp records' },
  ...keys('SELinuxContext AppArmorProfile SmackProcessLabel', 'raw', 'not-enforced', 'hearth does not switch security labels'),
};

/** How processes are stopped (systemd's kill context). */
export const KILL_KEYS: Table = {
  KillMode: { kind: 'enumKillMode', support: 'supported' },
  KillSignal: { kind: 'signal', support: 'supported' },
  RestartKillSignal: { kind: 'signal', support: 'supported' },
  FinalKillSignal: { kind: 'signal', support: 'supported' },
  WatchdogSignal: { kind: 'signal', support: 'not-enforced', note: 'hearth does not run the sd_notify watchdog' },
  ...keys('SendSIGKILL SendSIGHUP', 'bool', 'supported'),
};

/** Resource control (systemd's cgroup context). */
export const CGROUP_KEYS: Table = {
  Slice: { kind: 'string', support: 'approximated', note: 'hearth places every unit in its own cgroup under hearth\'s; slices are not created' },
  ...keys('CPUAccounting MemoryAccounting IOAccounting BlockIOAccounting TasksAccounting IPAccounting', 'bool', 'informational'),
  ...keys('CPUWeight StartupCPUWeight IOWeight StartupIOWeight', 'cpuWeight', 'supported'),
  CPUQuota: { kind: 'cpuQuota', support: 'supported' },
  ...keys('MemoryMin MemoryLow MemoryHigh MemoryMax MemorySwapMax MemoryLimit', 'memory', 'supported'),
  ...keys('DefaultMemoryMin DefaultMemoryLow', 'memory', 'not-enforced', 'hearth does not create slices'),
  TasksMax: { kind: 'tasksMax', support: 'supported' },
  ...keys('AllowedCPUs StartupAllowedCPUs AllowedMemoryNodes StartupAllowedMemoryNodes CPUShares StartupCPUShares CPUQuotaPeriodSec DeviceAllow DevicePolicy IODeviceWeight IOReadBandwidthMax IOWriteBandwidthMax IOReadIOPSMax IOWriteIOPSMax IODeviceLatencyTargetSec BlockIOWeight StartupBlockIOWeight BlockIODeviceWeight BlockIOReadBandwidth BlockIOWriteBandwidth Delegate DisableControllers IPAddressAllow IPAddressDeny IPIngressFilterPath IPEgressFilterPath ManagedOOMSwap ManagedOOMMemoryPressure ManagedOOMMemoryPressureLimit ManagedOOMPreference BPFProgram SocketBindAllow SocketBindDeny RestrictNetworkInterfaces', 'raw', 'not-enforced', 'hearth sets only the CPU, memory, IO weight and task limits of a unit\'s cgroup'),
  NetClass: { kind: 'removed', support: 'informational' },
};

export const SERVICE_KEYS: Table = {
  Type: {
    kind: 'enumType', support: 'approximated', note: 'idle runs as simple; notify-reload reloads with SIGHUP and does not wait for RELOADING=1/READY=1; dbus is ready when BusName= has an owner on the system bus, as in systemd, but when the name is released the stop signal goes before ExecStop= (systemd runs ExecStop= first), and there is no implied dependency on dbus.socket',
    exactFor: (t) => ['simple', 'exec', 'forking', 'oneshot', 'notify'].includes(t as string),
  },
  ExitType: { kind: 'enumExitType', support: 'approximated', note: 'ExitType=cgroup is run as ExitType=main: the run ends with the main process, and what it left is stopped then' },
  PIDFile: { kind: 'pidFile', support: 'supported' },
  ...keys('ExecCondition ExecStartPre ExecStart ExecStartPost ExecReload ExecStop ExecStopPost', 'exec', 'supported'),
  RestartSec: { kind: 'sec', support: 'supported' },
  ...keys('TimeoutSec TimeoutStartSec', 'serviceTimeout', 'supported'),
  TimeoutStopSec: { kind: 'secFix0', support: 'supported' },
  TimeoutAbortSec: { kind: 'secFix0', support: 'approximated', note: 'a watchdog abort is treated as a stop' },
  ...keys('TimeoutStartFailureMode TimeoutStopFailureMode', 'enumTimeoutFailureMode', 'not-enforced', 'hearth always terminates, then kills'),
  RuntimeMaxSec: { kind: 'sec', support: 'supported' },
  RuntimeRandomizedExtraSec: { kind: 'sec', support: 'not-enforced', note: 'RuntimeMaxSec= is applied without the random extra' },
  WatchdogSec: { kind: 'sec', support: 'not-enforced', note: 'hearth does not run the sd_notify watchdog' },
  StartLimitInterval: { kind: 'sec', support: 'supported', aliasOf: 'StartLimitIntervalSec' },
  StartLimitBurst: { kind: 'unsigned', support: 'supported' },
  ...keys('StartLimitAction FailureAction', 'action', 'not-enforced', 'hearth never reboots or powers off the machine on a unit\'s behalf'),
  RebootArgument: { kind: 'string', support: 'not-enforced', note: 'hearth never reboots the machine on a unit\'s behalf' },
  Restart: { kind: 'enumRestart', support: 'supported' },
  ...keys('PermissionsStartOnly RootDirectoryStartOnly', 'bool', 'approximated', 'legacy: not applied; the other commands run as User= too (give them the + prefix for full privileges)'),
  RemainAfterExit: { kind: 'bool', support: 'supported' },
  GuessMainPID: { kind: 'bool', support: 'approximated', note: 'no main pid is guessed: a forking unit without PIDFile= has none, and its cgroup (or process group) still holds the daemon for stop' },
  ...keys('RestartPreventExitStatus RestartForceExitStatus SuccessExitStatus', 'exitStatusSet', 'supported'),
  SysVStartPriority: { kind: 'removed', support: 'informational' },
  BusPolicy: { kind: 'removed', support: 'informational' },
  NonBlocking: { kind: 'bool', support: 'not-enforced', note: 'passed sockets keep their blocking mode' },
  BusName: { kind: 'busName', support: 'supported' },
  FileDescriptorStoreMax: { kind: 'unsigned', support: 'not-enforced', note: 'hearth keeps no file descriptor store' },
  NotifyAccess: { kind: 'enumNotifyAccess', support: 'approximated', note: "hearth accepts notifications from any process that reaches the unit's own socket (the unit's user and root)" },
  Sockets: { kind: 'deps', support: 'supported' },
  ...keys('USBFunctionDescriptors USBFunctionStrings', 'path', 'not-enforced', 'hearth does not drive USB gadgets'),
  OOMPolicy: { kind: 'enumOOMPolicy', support: 'not-enforced', note: 'hearth does not react to the kernel OOM killer differently from any other crash' },
  ...EXEC_KEYS,
  ...CGROUP_KEYS,
  ...KILL_KEYS,
};

export const SOCKET_KEYS: Table = {
  ...keys('ListenStream ListenDatagram ListenSequentialPacket', 'listen', 'supported', undefined, { group: 'listen' }),
  ...keys('ListenFIFO ListenSpecial ListenMessageQueue ListenUSBFunction ListenNetlink', 'listen', 'not-enforced', 'hearth only opens stream, datagram and seqpacket sockets; a socket unit with only these is refused at start', { group: 'listen' }),
  ...keys('ExecStartPre ExecStartPost ExecStopPre ExecStopPost', 'exec', 'supported'),
  TimeoutSec: { kind: 'secFix0', support: 'supported' },
  ...keys('SocketUser SocketGroup', 'user', 'supported'),
  ...keys('SocketMode DirectoryMode', 'mode', 'supported'),
  ...keys('Accept RemoveOnStop', 'bool', 'supported'),
  ...keys('MaxConnections MaxConnectionsPerSource Backlog', 'unsigned', 'supported'),
  BindIPv6Only: { kind: 'enumBindIPv6Only', support: 'supported' },
  Symlinks: { kind: 'words', support: 'supported' },
  FileDescriptorName: { kind: 'fdName', support: 'supported' },
  Service: { kind: 'socketService', support: 'supported' },
  ...keys('ReusePort FreeBind NoDelay KeepAlive', 'bool', 'approximated', 'applied where Node exposes the socket option, otherwise left at the kernel default'),
  ...keys('KeepAliveTimeSec KeepAliveIntervalSec DeferAcceptSec TriggerLimitIntervalSec', 'sec', 'not-enforced', 'hearth leaves this socket option at the kernel default'),
  ...keys('KeepAliveProbes TriggerLimitBurst', 'unsigned', 'not-enforced', 'hearth leaves this at the default'),
  ...keys('FlushPending Writable Transparent Broadcast PassCredentials PassSecurity PassPacketInfo SELinuxContextFromNet', 'bool', 'not-enforced', 'hearth leaves this socket option at the kernel default'),
  ...keys('ReceiveBuffer SendBuffer PipeSize', 'size', 'not-enforced', 'hearth leaves buffer sizes at the kernel default'),
  ...keys('Priority IPTTL Mark', 'int', 'not-enforced', 'hearth leaves this socket option at the kernel default'),
  ...keys('SocketProtocol BindToDevice IPTOS Timestamping TCPCongestion MessageQueueMaxMessages MessageQueueMessageSize SmackLabel SmackLabelIPIn SmackLabelIPOut', 'raw', 'not-enforced', 'hearth leaves this socket option at the kernel default'),
  ...EXEC_KEYS,
  ...CGROUP_KEYS,
  ...KILL_KEYS,
};

export const TIMER_KEYS: Table = {
  ...keys('OnCalendar OnActiveSec OnBootSec OnStartupSec OnUnitActiveSec OnUnitInactiveSec', 'timer', 'supported', undefined, { group: 'timers' }),
  ...keys('Persistent RemainAfterElapse FixedRandomDelay', 'bool', 'supported'),
  ...keys('AccuracySec RandomizedDelaySec', 'sec', 'supported'),
  Unit: { kind: 'triggerUnit', support: 'supported' },
  ...keys('OnClockChange OnTimezoneChange', 'bool', 'not-enforced', 'hearth recomputes calendar timers when it wakes, not on clock-change events'),
  WakeSystem: { kind: 'bool', support: 'not-enforced', note: 'hearth cannot wake a suspended machine' },
};

/** [Install] is read by enablement; here the keys are only checked and kept. */
export const INSTALL_KEYS: Table = keys('WantedBy RequiredBy Alias Also', 'words', 'supported');
INSTALL_KEYS['DefaultInstance'] = { kind: 'string', support: 'supported' };

/** The sections each unit type may have, and their keys; types hearth does not run get [Unit] and [Install] only. */
export const SECTIONS: Record<string, Record<string, Table>> = {
  service: { Unit: UNIT_KEYS, Service: SERVICE_KEYS, Install: INSTALL_KEYS },
  socket: { Unit: UNIT_KEYS, Socket: SOCKET_KEYS, Install: INSTALL_KEYS },
  timer: { Unit: UNIT_KEYS, Timer: TIMER_KEYS, Install: INSTALL_KEYS },
  target: { Unit: UNIT_KEYS, Target: {}, Install: INSTALL_KEYS },
};
