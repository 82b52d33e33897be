/**
 * The shapes of parsed setting values that are more than a string or a
 * number, and the enumerations systemd accepts.
 */
import type { CalendarSpec } from './calendar/index.js';

/** Condition/Assert entries. */
export interface Condition {
  /** "PathExists", "Virtualization", … (the key without Condition/Assert). */
  type: string;
  /** `|`: any one triggering condition suffices. */
  trigger: boolean;
  /** `!`: the test is negated. */
  negate: boolean;
  parameter: string;
}

export type TimerValue =
  | { base: 'OnCalendar'; text: string; spec: CalendarSpec }
  | { base: 'OnActiveSec' | 'OnBootSec' | 'OnStartupSec' | 'OnUnitActiveSec' | 'OnUnitInactiveSec'; usec: number };

export type StdioSetting = { type: string; path?: string; fdName?: string };

export interface ExecDirectory {
  path: string;
  /** A symlink to create to it (StateDirectory=a:b). */
  link?: string;
}

export interface ExitStatusSet {
  statuses: number[];
  signals: number[];
}

export const ENUMS = {
  Type: ['simple', 'forking', 'oneshot', 'dbus', 'notify', 'notify-reload', 'idle', 'exec'],
  ExitType: ['main', 'cgroup'],
  Restart: ['no', 'on-success', 'on-failure', 'on-abnormal', 'on-watchdog', 'on-abort', 'always'],
  KillMode: ['control-group', 'process', 'mixed', 'none'],
  NotifyAccess: ['none', 'main', 'exec', 'all'],
  OOMPolicy: ['continue', 'stop', 'kill'],
  RuntimeDirectoryPreserve: ['no', 'yes', 'restart'],
  ProtectSystem: ['no', 'yes', 'full', 'strict'],
  ProtectHome: ['no', 'yes', 'read-only', 'tmpfs'],
  BindIPv6Only: ['default', 'both', 'ipv6-only'],
  Action: ['none', 'reboot', 'reboot-force', 'reboot-immediate', 'poweroff', 'poweroff-force', 'poweroff-immediate', 'exit', 'exit-force'],
  JobMode: ['fail', 'replace', 'replace-irreversibly', 'isolate', 'flush', 'ignore-dependencies', 'ignore-requirements'],
  CollectMode: ['inactive', 'inactive-or-failed'],
  TimeoutFailureMode: ['terminate', 'abort', 'kill'],
} as const;

