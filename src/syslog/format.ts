/**
 * A syslog message as syslogd writes it to /var/log/messages, minus the time
 * and host the journal keeps anyway: `tag[pid]: message`.
 */
import type { SyslogMessage } from './message.js';

export function syslogTag(m: Pick<SyslogMessage, 'appName' | 'procId'>): string {
  if (!m.appName) return '';
  return m.procId ? `${m.appName}[${m.procId}]` : m.appName;
}

export function formatSyslogText(m: SyslogMessage): string {
  const tag = syslogTag(m);
  return tag ? `${tag}: ${m.message}` : m.message;
}

/** The same line as bytes, the message part copied exactly (it may not be valid UTF-8). */
export function formatSyslogPayload(m: SyslogMessage, body: Buffer): Buffer {
  const tag = syslogTag(m);
  return tag ? Buffer.concat([Buffer.from(`${tag}: `, 'utf8'), body]) : body;
}
