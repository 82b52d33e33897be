/** What `hearth audit` reports. Plain JSON: it crosses the control API. */

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export interface Finding {
  /** Stable rule id, for scripts: "risky-service", "public-listener", … */
  id: string;
  severity: Severity;
  service?: string;
  title: string;
  evidence: string;
  fix: string;
}

export interface AuditReport {
  at: number;
  findings: Finding[];
}

/** A socket bound for incoming traffic, from /proc/net. */
export interface Listener {
  protocol: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  address: string;
  port: number;
  inode: number;
  /** The owning process, when /proc/PID/fd could be read (the first of `holders`). */
  pid?: number;
  /** Every process holding the socket (hearthd and the helper it handed the socket to, say). */
  holders?: Array<{ pid: number; command?: string }>;
  command?: string;
  uid?: number;
  /** The hearth service it belongs to, when it is one of ours. */
  service?: string;
}

/** What the rules look at about each service hearth manages. */
export interface AuditedService {
  name: string;
  kind: 'service' | 'sysv' | 'inetd' | 'timer' | 'systemd';
  running: boolean;
  enabled: boolean;
  /** Runs as root (no user set while hearthd is root, or user root). */
  asRoot: boolean;
  /** inetd-style services: where they listen and whether only_from limits who may connect. */
  inetd?: { bind?: string; port: number; protocol: string; onlyFrom: boolean };
}

export interface AuditedFile {
  path: string;
  role: 'service file' | 'init script' | 'executable' | 'xinetd file';
  service: string;
  mode: number;
  uid: number;
}

export interface AuditInput {
  services: AuditedService[];
  listeners: Listener[];
  files: AuditedFile[];
  /** Command names (comm) of every process on the machine, to find loggers, time sync and cron. */
  processNames: string[];
  /** hearthd's own uid: files it runs should belong to it or to root. */
  hearthUid: number;
  /** hearthd receives syslog itself (its [syslog] socket is on). */
  hearthSyslog: boolean;
  /**
   * hearthd's own pid and its helpers' (hearth-acceptor, hearth-spawner): a
   * socket they hold on an inetd-style service's port is that service's.
   */
  hearthPids?: number[];
  /** The classic daemons hearthd stands in for; default: cron and atd always, syslogd when hearthSyslog. */
  hearthRoles?: HearthRole[];
  /** Services whose log file cannot be written now (the journal's health), and why. */
  loggingDegraded?: Array<{ service: string; reason: string; droppedRecords: number; blocked: boolean }>;
}

export type HearthRole = 'cron' | 'atd' | 'syslog';
