import type { HearthEvent, ServiceStatus } from '../model/index.js';

/**
 * What the control API needs from the daemon. src/daemon.ts implements it; the
 * HTTP layer in this folder only translates requests to these calls, so every
 * route can be tested in-process against a fake.
 */

export interface DaemonInfo {
  pid: number;
  version: string;
  startedAt: number;
  configDir: string;
  stateDir: string;
  runtimeDir: string;
  logDir: string;
  socketPath: string;
  runlevel: number | null;
  previousRunlevel: number | null;
}

export interface ActionResult {
  name: string;
  ok: boolean;
  /** State after the action settled (or when it failed). */
  state?: ServiceStatus['state'];
  error?: { code: string; message: string; hint?: string };
}

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
}

export interface LogRecord {
  /** Epoch ms. */
  ts: number;
  service: string;
  stream: 'out' | 'err' | 'hearth' | 'syslog';
  /** UTF-8 text of the line; invalid bytes are replaced, see `b64` for the exact bytes. */
  text: string;
  /** Present only when the line is not valid UTF-8: the exact bytes, base64. */
  b64?: string;
  /** The line was split (too long) or cut off at exit: no newline ended it here. */
  partial?: boolean;
}

export interface ConfigReport {
  configDir: string;
  ok: boolean;
  services: string[];
  errors: Array<{ code: string; message: string; file?: string; line?: number; key?: string; hint?: string; text: string }>;
  warnings: Array<{ message: string; file?: string; line?: number; text: string }>;
}

export interface ReloadReport extends ConfigReport {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
}

export interface ServiceDetail extends ServiceStatus {
  recentLogs: LogRecord[];
  /** Extra sections later features add (workers of a pool, inetd counters, …). */
  extra?: Record<string, unknown>;
}

export interface DaemonApi {
  info(): DaemonInfo;
  list(): ServiceStatus[];
  /** undefined when no such service. */
  status(name: string): Promise<ServiceDetail | undefined>;
  start(names: string[]): Promise<ActionResult[]>;
  stop(names: string[]): Promise<ActionResult[]>;
  restart(names: string[]): Promise<ActionResult[]>;
  reload(names: string[]): Promise<ActionResult[]>;
  reloadConfig(): Promise<ReloadReport>;
  /** Validate a config dir (default: the daemon's own) without touching what runs. */
  check(configDir?: string): Promise<ConfigReport>;
  logs(query: LogQuery): Promise<LogRecord[]>;
  /** Calls onRecord for each new record matching query; returns an unsubscribe. */
  followLogs(query: LogQuery, onRecord: (r: LogRecord) => void): () => void;
  subscribe(onEvent: (e: HearthEvent) => void): () => void;
}
