export { loadConfigDir, isIgnoredConfigFile, type LoadedConfig, type LoadOptions, type BrokenService, type InetdTomlService, type SourceReport } from './config-dir.js';
export { loadConfigSources, mergeLowerSource, type LowerSource } from './config-sources.js';
export { parseServiceFile, SERVICE_KEYS, type ServiceFileResult } from './service-file.js';
export { RACY_MS, ServiceFileCache, type ChangeWatch } from './service-file-cache.js';
export { parseDaemonSettings, loadDaemonSettings, DEFAULT_SETTINGS, DAEMON_SETTINGS_KEYS, isLoopbackListen, type DaemonSettings, type WebSettings } from './daemon-settings.js';
export { parseEndpoint, isLoopbackHost, DEFAULT_LEASE_TTL_MS, FLEET_NAME, HOST_LABEL, type FleetSettings } from './fleet-settings.js';
export { parseFleetToml, type FleetToml } from './fleet-toml.js';
export { parseEnvFile, parseEnvFileDetailed } from './env-file.js';
export { splitCommand, splitCommandDetailed } from './split-command.js';
export { findKeyLines, type KeyLines } from './key-lines.js';
export { parseSysvScript, loadSysvScripts, isIgnoredInitFile, type SysvLoadResult } from './sysv-script.js';
export { loadXinetdConfig, parseXinetdText, type InetdLoadResult } from './xinetd-conf.js';
export { loadInetdConf, parseInetdConf } from './inetd-conf.js';
export { parseInetdToml } from './inetd-toml.js';
export { loadEtcServices, parseEtcServices } from './etc-services.js';
export { loadInetdSources } from './inetd-sources.js';
export { dedupeInetd } from './xinetd-conf.js';
export { setXinetdDisable, isXinetdEnabled, xinetdDefaultOn } from './xinetd-disable.js';
export { checkConfigDir, configReport, unitNames, cronJobName, type ConfigReport } from './check-report.js';
export {
  loadInsservConf,
  parseInsservConf,
  expandFacilities,
  isIgnoredInsservFile,
  DEBIAN_INSSERV_CONF,
  type InsservConf,
  type FacilityMember,
} from './insserv-conf.js';
export { facilityProblems } from './facility-check.js';
export { hearthPolicy } from './sysv-policy.js';
export { systemdSearchPath, systemdLinkDir, HOST_CONFIG_DIR, type SystemdDirs } from './systemd-dirs.js';
// Only the type: the loader itself is imported by loadConfigDir when there are units to load.
export type { SystemdConfig } from './systemd-units.js';
