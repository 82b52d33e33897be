export { Supervisor, type SupervisorOptions, type DefineOutcome, type RecoveryReport } from './supervisor.js';
export { ServiceRunner, describeExit, type LogSink, type RunnerContext } from './service-runner.js';
export { RestartTracker, type RestartDecision } from './restart-policy.js';
export { definitionsEqual } from './definitions-equal.js';
export { resourceUsage } from './resource-usage.js';
export type { Runner } from './runner.js';
export { serviceLaunch, type ServiceLaunch } from './service-launch.js';
export { NativeBackend } from './native-backend.js';
export { systemBusAddress, missingBus, missingWatcher } from './bus-name-watch.js';
