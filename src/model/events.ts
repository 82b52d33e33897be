import type { ServiceState } from './state.js';

/**
 * Every change in hearthd, as data. The core emits these and never formats
 * prose for people: the journal's "hearthd" log, hearthd's stdout, the SSE
 * stream, the GUI and ntsysv each render them (src/events has the one text
 * rendering for logs).
 */
export type HearthEvent =
  // --- any unit ---
  | { type: 'service.state'; at: number; name: string; from: ServiceState; to: ServiceState; pid: number | null; detail?: string }
  | { type: 'service.exit'; at: number; name: string; pid: number; code: number | null; signal: string | null; reason?: 'oom-killed' }
  | { type: 'service.spawn'; at: number; name: string; pid: number }
  | { type: 'service.error'; at: number; name: string; message: string }
  /** The stop signal was not enough: SIGKILL went to what was left after stop_timeout. */
  | { type: 'service.stop-escalated'; at: number; name: string; signal: string; timeoutMs: number }
  // --- pools ---
  | {
      type: 'pool.worker';
      at: number;
      name: string;
      pid: number;
      change: 'ready-timeout' | 'replaced';
      /** Why it ended, for "replaced": "exited with code 1". */
      reason?: string;
      delayMs?: number;
      /** For "ready-timeout": sd_notify messages so far from processes under none of the pool's workers. */
      ignoredSenders?: { count: number; lastPid: number };
    }
  | { type: 'pool.size'; at: number; name: string; change: 'grow' | 'shrink'; workers: number }
  | { type: 'pool.reloaded'; at: number; name: string; fresh: number; old: number }
  | { type: 'pool.failed'; at: number; name: string; reason: string }
  // --- timers and at ---
  | { type: 'timer.run'; at: number; name: string; change: 'started'; pid: number | null; reason?: string }
  | { type: 'timer.run'; at: number; name: string; change: 'finished'; code: number | null; signal: string | null; durationMs: number }
  | { type: 'timer.run'; at: number; name: string; change: 'skipped'; runningSince: number }
  | { type: 'timer.run'; at: number; name: string; change: 'replaced' | 'timed-out'; timeoutMs?: number }
  | { type: 'timer.run'; at: number; name: string; change: 'failed'; reason: string }
  | { type: 'at.job'; at: number; id: number; change: 'started'; command: string }
  | { type: 'at.job'; at: number; id: number; change: 'finished'; code: number | null; signal: string | null; durationMs: number }
  | { type: 'at.job'; at: number; id: number; change: 'failed'; reason: string }
  // --- the super-server's inetd-style services ---
  | { type: 'inetd.listener'; at: number; name: string; change: 'listening'; protocol: string; port: number }
  | { type: 'inetd.listener'; at: number; name: string; change: 'closed' | 'resumed' }
  | { type: 'inetd.listener'; at: number; name: string; change: 'suspended'; until: number; reason: string }
  | { type: 'inetd.problem'; at: number; name: string; level: 'warn' | 'error'; message: string }
  // --- runlevels ---
  | { type: 'runlevel.changed'; at: number; from: number | null; to: number }
  | { type: 'runlevel.cycle'; at: number; units: string[] }
  // --- the journal ---
  /** Logging became degraded (a log file cannot be written), or recovered. */
  | { type: 'journal.health'; at: number; degraded: boolean; services: Array<{ service: string; reason: string; droppedRecords: number; blocked: boolean }> }
  /** One of hearthd's state files could not be read: it was set aside (never silently reset). */
  | { type: 'state.corrupt'; at: number; file: string; keptAs: string; reason: string; recovered?: string }
  // --- the daemon itself ---
  | { type: 'config.reloaded'; at: number; added: string[]; changed: string[]; removed: string[]; errors: string[] }
  | { type: 'config.error'; at: number; errors: string[] }
  /** A problem with hearthd's own files (state, journal) or a message with no better home. */
  | { type: 'daemon.log'; at: number; level: 'info' | 'warn' | 'error'; message: string };

export type HearthEventType = HearthEvent['type'];

export type StateEvent = Extract<HearthEvent, { type: 'service.state' }>;

/** A unit's state change; `detail` is carried only when there is one. */
export function stateEvent(name: string, from: ServiceState, to: ServiceState, pid: number | null, detail?: string, at: number = Date.now()): StateEvent {
  return { type: 'service.state', at, name, from, to, pid, ...(detail ? { detail } : {}) };
}
