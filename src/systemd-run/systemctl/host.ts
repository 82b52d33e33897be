import type { LogRecord } from '../../journal/index.js';
import type { ServiceStatus } from '../../model/index.js';
import type { SystemdUnit } from '../../systemd/index.js';
import type { UnitFiles } from '../unit-files.js';

/** A unit as hearthd's status shows it, with the journal's last lines. */
export interface UnitDetailView extends ServiceStatus {
  recentLogs: LogRecord[];
  extra?: Record<string, unknown>;
}

/**
 * What `systemctl` needs of hearthd: its units of every kind (through the
 * registry), the systemd unit files and their links, a config reload and a
 * runlevel switch. The daemon provides it; tests provide a fake.
 */
export interface SystemctlHost {
  list(): ServiceStatus[];
  detail(name: string, lines: number): Promise<UnitDetailView | undefined>;
  /** A unit's own name for a name it answers to; undefined when none. */
  resolve(name: string): string | undefined;
  act(name: string, action: 'start' | 'stop' | 'restart' | 'reload'): Promise<void>;
  /** Enablement of a unit that is not a systemd unit file (an init script, a native service): its runlevels. */
  setEnabled(name: string, on: boolean): Promise<void>;
  isEnabled(name: string): boolean | undefined;
  /** Signals a unit's processes; how many got it. */
  kill(name: string, signal: NodeJS.Signals, whom: 'all' | 'main' | 'control'): number;
  reloadConfig(): Promise<void>;
  switchRunlevel(level: number): Promise<void>;
  files: UnitFiles;
  /** The systemd unit files on the search path, loaded (templates included, under their own names). */
  unitFiles(): Array<{ name: string; path: string }>;
  systemdUnit(name: string): SystemdUnit | undefined;
  hostname: string;
}
