/**
 * The process boundary: what belongs to a unit, and the one stop path that
 * signals it, escalates to SIGKILL and waits until it is empty.
 */
export type { ProcessBoundary } from './types.js';
export { realClock, type Clock } from './clock.js';
export { stopProcesses, type StopHandle, type StopOptions, type StopOutcome } from './stop.js';
export { ProcessGroupBoundary, signalGroup, signalPid, pidAlive, whenPidDies } from './process-group.js';
