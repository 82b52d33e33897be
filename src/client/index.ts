export { HearthClient, logQueryString, type AnalyzedTransition, type HearthClientOptions, type ServiceAction } from './hearth-client.js';
export { EventStream } from './event-stream.js';
export { SseParser, type SseMessage } from './sse-parser.js';
export { defaultDirs, resolveSocketPath, SOCKET_NAME, type HearthDirs, type ResolveSocketOptions } from './default-dirs.js';
export type {
  ActionResult,
  ConfigReport,
  DaemonInfo,
  FleetInfo,
  FleetOverview,
  FleetRestartRun,
  FleetHostView,
  FleetAuditRow,
  LogQuery,
  LogRecord,
  ReloadReport,
  ServiceDetail,
} from '../control/index.js';
