import { join } from 'node:path';
import { describeError } from '../errors/index.js';
import type { Journal } from '../journal/index.js';
import { SyslogReceiver, type RecentProcesses } from '../syslog/index.js';
import { syslogAttribution } from './syslog-attribution.js';
import { publicRuntimeDir, type Units } from './units.js';

export interface SyslogSettings {
  socket?: string;
  udpPort?: number;
}

/** Like /dev/log, writable by every local user: in the public runtime dir, never the 0700 one. */
export function syslogSocketPath(settings: SyslogSettings, runtimeDir: string): string {
  return settings.socket ?? join(publicRuntimeDir(runtimeDir), 'syslog.sock');
}

/**
 * hearthd's syslog receiver: messages land in the journal under the unit that
 * sent them. Undefined when switched off, or when it cannot start (said as a
 * warning: hearthd runs on without it).
 */
export async function startSyslogReceiver(
  settings: SyslogSettings,
  host: { runtimeDir: string; journal: Journal; units: Units; recent: RecentProcesses; warn(message: string): void },
): Promise<SyslogReceiver | undefined> {
  if (settings.socket === 'off' && settings.udpPort === undefined) return undefined;
  const receiver = new SyslogReceiver({
    journal: host.journal,
    ...(settings.socket !== 'off' ? { socketPath: syslogSocketPath(settings, host.runtimeDir) } : {}),
    ...(settings.udpPort !== undefined ? { udpPort: settings.udpPort } : {}),
    attribute: syslogAttribution(host.units, host.recent),
  });
  try {
    await receiver.start();
    return receiver;
  } catch (e) {
    host.warn(`syslog receiver not started: ${describeError(e)}`);
    return undefined;
  }
}
