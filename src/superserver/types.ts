import type { spawn } from 'node:child_process';
import type { ServerSpawner } from '../native/index.js';

/** Engine events for the daemon to publish (state changes, not per-connection noise). */
export type InetdEvent =
  | { type: 'inetd.listening'; at: number; id: string; port: number; protocol: string }
  | { type: 'inetd.closed'; at: number; id: string }
  | { type: 'inetd.suspended'; at: number; id: string; until: number; reason: string }
  | { type: 'inetd.resumed'; at: number; id: string }
  | { type: 'inetd.server'; at: number; id: string; pid: number; state: 'started' | 'exited'; code?: number | null; signal?: string | null }
  | { type: 'inetd.error'; at: number; id: string; message: string }
  /** About the engine rather than one service (id names the part, e.g. "hearth-spawner"). */
  | { type: 'inetd.notice'; at: number; id: string; level: 'warn' | 'error'; message: string };

/** One connection log line, in xinetd.log(5)'s words (START/EXIT/FAIL). */
export interface InetdLogLine {
  id: string;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface SuperServerOptions {
  onEvent?: (e: InetdEvent) => void;
  onLog?: (line: InetdLogLine) => void;
  /** child_process.spawn by default; tests and the daemon may wrap it. */
  spawnProcess?: typeof spawn;
  /**
   * Starts the server for each TCP connection of a wait = no service. By
   * default the engine makes one that uses the native hearth-spawner helper
   * when it was built (and spawnProcess otherwise), and stops it in stop().
   */
  serverSpawner?: ServerSpawner;
  /**
   * Plain wait = no TCP services (no banners, no reverse lookups) are served
   * by the native hearth-acceptor helper when it was built: it accepts and
   * starts servers while hearthd decides and logs. false: never.
   */
  acceptor?: boolean;
  /** Added to every port below 1024 (hearth.toml [inetd] port_offset). */
  portOffset?: number;
  /** UDP internal services: replies per second per service, and per client address. */
  udpReplyRate?: number;
  udpReplyRatePerSource?: number;
}

export interface ApplyResult {
  added: string[];
  changed: string[];
  removed: string[];
  /** "id: message" for services that could not start listening. */
  errors: string[];
}
