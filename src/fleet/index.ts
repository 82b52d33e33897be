/**
 * hearth's fleet: hosts that share desired state on etcd. Loaded only through
 * import() when hearth.toml has a [fleet] section, so single-host hearthd
 * never pays for it (see docs/fleet.md for the figures).
 *
 * hearthd runs a FleetAgent; the CLI and GUI use FleetAdmin and printRoles.
 */
export { FleetAgent, type FleetAgentOptions, type FleetAgentStatus } from './agent.js';
export { FleetAdmin, type StatusRow, type AuditRow, type RestartOptions } from './admin.js';
export { hostViews, type HostView } from './host-view.js';
export { FleetWatch, type FleetWatchSnapshot, type FleetWatchOptions } from './fleet-watch.js';
export { openFleetClient } from './connect.js';
export { printRoles, renderRoles, hostRole, ADMIN_ROLE, type RoleCommand, type PrintRolesOptions } from './rbac.js';
export { rollingRestart, type RollingOptions, type RollingProgress, type RollingResult } from './rolling.js';
export { requestRestart, type ControlAck, type ControlRequest } from './control.js';
export {
  applyBundle,
  diffBundle,
  rollbackBundle,
  removeBundle,
  listBundles,
  bundleHistory,
  defaultBundleName,
  diffFiles,
  type ApplyOptions,
  type ApplyResult,
  type BundleDiff,
  type BundleDoc,
  type CheckFn,
  type FileChange,
} from './desired.js';
export { readBundleDir, parseFleetToml, unitsOf, hashFiles, BUNDLE_LIMITS, type BundleFiles, type FleetToml } from './bundle.js';
export { assignBundles, type AssignedSet } from './assignment.js';
export { materialise, readCurrentSet, fleetRoot, SET_META, type MaterialisedSet } from './materialise.js';
export { HostRegistration, type FleetLinkState, type RegistrationOptions } from './registration.js';
export { ReportPublisher, type PublisherStats, type PublisherOptions } from './publisher.js';
export { encodeReport, decodeReport, unitNeedsAttention, REPORT_LIMITS, type HostReport, type UnitSummary, type Conflict, type AppliedSet } from './report.js';
export { parseSelector, formatSelector, matchesHost, type Selector } from './selector.js';
export { diffLines, type DiffLine } from './line-diff.js';
export { Backoff } from './backoff.js';
export * as fleetKeys from './keys.js';
export { EtcdClient, EtcdError, prefixEnd, type EtcdClientOptions, type EtcdErrorKind, type EtcdTls, type KeyValue, type TxnCompare, type TxnOp } from './etcd-client.js';
export { openWatch, type Watch, type WatchEvent, type WatchOptions } from './etcd-watch.js';
