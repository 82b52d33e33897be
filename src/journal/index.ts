/**
 * The journal: capture of service output (line splitting, timestamps, size
 * rotation), hearthd's own log, queries and follow mode, and the helpers the
 * front ends need to show records (time specs, safe terminal rendering).
 */
export type { LogQuery, LogRecord, LogStream, RotationSettings, DaemonLogLevel, SyslogFields } from './types.js';
export { DAEMON_SERVICE, LEVEL_PRIORITY } from './types.js';
export { Journal, DEFAULT_ROTATION, type JournalOptions, type JournalEntry, type LogFullPolicy } from './journal.js';
export type { JournalHealth, ServiceLogHealth } from './log-outage.js';
export { ServiceLogWriter, type ServiceLogWriterOptions, type FlowControl, type RecordSink } from './service-log-writer.js';
export { parseTimeSpec } from './time-spec.js';
export { renderLine, renderJson, renderVerbose, escapeText, type RenderOptions } from './render-line.js';
export { readJournal, journalServices } from './journal-reader.js';
export { JournalFileFollower } from './file-follower.js';
export { recordBytes } from './format.js';
export type { RawRecord } from './format.js';
export { SpoolLedger, tagRecord, recoverSpoolPoints, type SpoolPoint, type SpoolTag, type BatchSeal } from './spool-position.js';
