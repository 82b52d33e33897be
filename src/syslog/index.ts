/**
 * The syslog receiver: RFC 3164 / RFC 5424 parsing, and a syslogd that files
 * each message in the journal under the service that sent it.
 */
export type { SyslogMessage, StructuredElement } from './message.js';
export { DEFAULT_FACILITY, DEFAULT_SEVERITY, FACILITY_NAMES, SEVERITY_NAMES } from './message.js';
export { parseSyslog, parseSyslogDatagram, type ParsedDatagram } from './parse.js';
export { formatSyslogText, syslogTag } from './format.js';
export { SenderRateLimiter, type RateLimit, type Suppression, type RateLimiterOptions } from './rate-limiter.js';
export {
  SyslogReceiver,
  DEFAULT_SYSLOG_RATE_LIMIT,
  DEFAULT_SYSLOG_FALLBACK,
  type SyslogReceiverOptions,
  type SyslogSender,
  type SyslogStats,
} from './receiver.js';
export { RecentProcesses } from './recent-processes.js';
