/**
 * The journal's record and query types. They live here (the journal owns them);
 * src/control/daemon-api.ts re-exports them for the API and its clients.
 */

/** Where a record came from: a service's stdout/stderr, hearthd itself, or syslog. */
export type LogStream = 'out' | 'err' | 'hearth' | 'syslog';

export interface LogQuery {
  /** No names: every service and hearthd itself, interleaved by time. */
  names?: string[];
  /** Last N records (after the other filters). */
  lines?: number;
  /** Epoch ms. */
  since?: number;
  until?: number;
  /** Plain substring match on the text. */
  grep?: string;
  /**
   * Syslog-style severity ceiling (0 emerg … 7 debug): only records at this
   * priority or more urgent. Records without a priority count as 3 (err)
   * when a service wrote them to stderr, else as 6 (info).
   */
  priority?: number;
  /** Syslog facilities (0 kern … 23 local7): only syslog records from one of them. */
  facility?: number[];
}

/**
 * What a syslog sender said besides its text, kept with the record (RFC 5424
 * names; an RFC 3164 TAG[PID] fills appName and procId).
 */
export interface SyslogFields {
  /** 0 kern … 23 local7. */
  facility: number;
  hostname?: string;
  appName?: string;
  procId?: string;
  msgId?: string;
  /** RFC 5424 structured data, elements and parameters in the order sent. */
  structuredData?: Array<{ id: string; params: Array<[name: string, value: string]> }>;
}

export interface LogRecord {
  /** Epoch ms. */
  ts: number;
  service: string;
  stream: LogStream;
  /** UTF-8 text of the line; invalid bytes are replaced, see `b64` for the exact bytes. */
  text: string;
  /** Present only when the line is not valid UTF-8: the exact bytes, base64. */
  b64?: string;
  /** The line was split (too long) or cut off at exit: no newline ended it here. */
  partial?: boolean;
  /** Syslog severity 0–7 when known (syslog messages, hearthd's own levels, a line's own `<N>` prefix). */
  priority?: number;
  /** A syslog message's facility and header fields (stream "syslog" only). */
  syslog?: SyslogFields;
  /**
   * The journal's note that records of this service were dropped here (the
   * log filesystem was full): its text says how many, how many bytes, and when.
   */
  gap?: boolean;
}

/** Size-based rotation (and optional age-based retention) for one service's files. */
export interface RotationSettings {
  /** Rotate NAME.log once it would grow beyond this many bytes. */
  maxBytes: number;
  /** How many rotated files (NAME.log.1 … NAME.log.keep) to keep. */
  keep: number;
  /** Optional retention by age: rotated files whose newest record is older are deleted. */
  maxAgeMs?: number;
}

export type DaemonLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Syslog severities for hearthd's own levels, so one priority filter covers both. */
export const LEVEL_PRIORITY: Record<DaemonLogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 };

/** hearthd's own events are journaled under this service name. */
export const DAEMON_SERVICE = 'hearthd';
