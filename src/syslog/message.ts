/**
 * What a syslog datagram says once parsed, whichever RFC it followed. Field
 * names follow RFC 5424 (APP-NAME, PROCID, MSGID); an RFC 3164 TAG[PID]
 * fills appName and procId.
 */
export interface SyslogMessage {
  /** 0 kern … 23 local7. */
  facility: number;
  /** 0 emerg … 7 debug. */
  severity: number;
  /** Epoch ms, when the message carried a usable time. */
  timestamp?: number;
  hostname?: string;
  appName?: string;
  procId?: string;
  msgId?: string;
  /** RFC 5424 structured data, in the order sent (names and elements may repeat). */
  structuredData?: StructuredElement[];
  message: string;
}

export interface StructuredElement {
  id: string;
  params: Array<[name: string, value: string]>;
}

/** A message without a (valid) PRI is user.notice, as syslogd and RFC 3164 section 4.3.3 have it. */
export const DEFAULT_FACILITY = 1;
export const DEFAULT_SEVERITY = 5;

export const SEVERITY_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;


/** Facility names live with the priority names in the model, for every front end. */
export { FACILITY_NAMES } from '../model/index.js';
