/**
 * systemd units, read and understood (the public face of src/systemd/).
 *
 * Load: `new UnitLoader({ searchPath })` then `.load(name)` / `.loadAll()`
 * give typed units with diagnostics (file:line, systemd's wording).
 * Enablement: `planEnable`, `planDisable`, `unitFileState`, runlevel maps.
 * Calendar: `CalendarEvent.parse(expr).next(after)`.
 */
export { UnitLoader, SUPPORTED_TYPES, TEMPLATE_CHECK_INSTANCE, SYSTEMD_UNIT_PATHS, defaultSearchPath, type LoaderOptions } from './load.js';
export { UnitDirectory } from './unit-directory.js';
export type * from './model.js';
export { formatDiagnostic, diagnosticToError, type UnitDiagnostic, type DiagnosticKind } from './diagnostics.js';
export { UNIT_KEYS, SERVICE_KEYS, SOCKET_KEYS, TIMER_KEYS, INSTALL_KEYS, EXEC_KEYS, KILL_KEYS, CGROUP_KEYS, type Support, type KeySpec } from './keys.js';
export { parseUnitFileText, splitLines, type Assignment, type UnitFileText } from './unit-file-syntax.js';
export { expandSpecifiers, escapeSpecifiers, SYSTEM_HOST_DEFAULTS, APPROXIMATED_SPECIFIERS, type HostFacts, type SpecifierContext, type SpecifierTable } from './specifiers.js';
export { readHostFacts, parseOsRelease } from './host-facts.js';
export { parseExecLine, expandExecArgv, replaceEnv } from './exec-command.js';
export { parseEnvironmentLine, parseEnvironmentFile, mergeEnvironment, isValidEnvName } from './environment.js';
export { parseSocketAddress } from './socket-address.js';
export { extractFirstWord, splitWords, type WordFlags } from './words.js';
export {
  parseBoolean, parseInteger, parseMode, parseSignal, signalName, parseExitStatus, parseSize, parseRlimit, parseCapability, simplifyPath,
  SIGNALS, EXIT_STATUS_NAMES, CAPABILITIES, RLIMIT_NAMES, type Rlimit, type RlimitName,
} from './values.js';
export { parseTimeSpan, parseTimeSpanExact, parseTimeSpanFix0, formatTimeSpan, INFINITY, USEC_PER_MINUTE, USEC_PER_HOUR, USEC_PER_DAY } from './time-span.js';
export * from './unit-name.js';
export * from './calendar/index.js';
export { planEnable, planDisable, planMask, planUnmask, unitFileState, type LinkOp, type LinkPlan, type UnitFileState } from './enablement.js';
export { discover, type InstallInfo, type InstallPaths } from './install-info.js';
export { RUNLEVEL_TARGETS, runlevelsOfTarget, runlevelTargetAlias, targetForRunlevelWord, runlevelsFor, runlevelOfDefaultTarget } from './runlevels.js';
export { serviceDefinition, commandLine, LONGEST_TIMEOUT_MS, type TranslateOptions, type Translation } from './service-definition.js';
