export { audit } from './rules.js';
export { parseProcNet, readListeners, processNames, isLoopback } from './proc-net.js';
export { SEVERITIES, type AuditInput, type AuditReport, type AuditedFile, type AuditedService, type Finding, type Listener, type Severity } from './types.js';
