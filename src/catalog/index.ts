export type { CatalogEntry, DaemonCategory, DaemonPort, RiskLevel, Recommendation } from './entry.js';
export { findDaemon, allDaemons, suggestDaemon } from './lookup.js';
