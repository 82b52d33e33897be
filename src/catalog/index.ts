export type { CatalogEntry, DaemonCategory, DaemonPort, RiskLevel, Recommendation } from './entry.js';
export { findDaemon, allDaemons, suggestDaemon } from './lookup.js';
export {
  audit,
  parseProcNet,
  readListeners,
  processNames,
  isLoopback,
  SEVERITIES,
  type AuditInput,
  type AuditReport,
  type AuditedFile,
  type AuditedService,
  type Finding,
  type Listener,
  type Severity,
} from './audit/index.js';
