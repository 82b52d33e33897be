/**
 * The process boundary: what belongs to a unit, and the one stop path that
 * signals it, escalates to SIGKILL and waits until it is empty.
 */
export type { ProcessBoundary } from './types.js';
export { realClock, type Clock } from './clock.js';
export { stopProcesses, type StopHandle, type StopOptions, type StopOutcome } from './stop.js';
export { ProcessGroupBoundary, signalGroup, signalPid, pidAlive, whenPidDies } from './process-group.js';
export { openTracking, markedPids, type ProcessTracking, type UnitTracking, type TrackingMode, type TrackingOptions } from './tracking.js';
export { CgroupBoundary } from './cgroup-boundary.js';
export { limitSupport } from './cgroup-limits.js';
export { locateCgroups, type CgroupLocations } from './cgroup-mounts.js';
export type { UnitUsage } from './cgroup-usage.js';
export { instanceName } from './cgroup-tree.js';
