import type { spawn } from 'node:child_process';
import type { InetdServiceStatus } from '../model/index.js';
import type { ServerSpawner } from '../native/index.js';
import type { UnitTracking } from '../boundary/index.js';
import type { EnvCompat } from './server-launch.js';

/** A service's state, as status() reports it. */
export type InetdServiceState = InetdServiceStatus['state'];

/**
 * Carried by every event that moves a service from one state to another, and
 * only by those: a host turns each such event into its own state event
 * (`service.state`) without knowing which event type it was.
 *
 *   event             change.from → change.to
 *   inetd.listening   off | broken → listening          the listener is up (or, for a tcpmux
 *                                                       client, the name is served by tcpmux)
 *   inetd.error       off → broken                      it cannot be served (banner, name, log file…)
 *                     off → failed                      it could not have its port (who holds it is said)
 *   inetd.suspended   listening | waiting → suspended   cps tripped; `until` says when it returns
 *   inetd.resumed     suspended → listening            the pause is over and it listens again
 *   inetd.server      listening → waiting              a wait = yes server took the socket…
 *                     waiting → listening              …and gave it back by exiting
 *   inetd.closed      listening | waiting | suspended | failed → off   stopped listening (reload,
 *                                                       super-server switched off, stop())
 *
 * An inetd.error without `change` (a listener error, a failed resume that is
 * retried, a helper that died and was restarted) and an inetd.server of a
 * wait = no service leave the state as it was.
 */
export interface InetdStateChange {
  from: InetdServiceState;
  to: InetdServiceState;
}

/** Engine events for the daemon to publish (state changes, not per-connection noise). */
export type InetdEvent =
  | { type: 'inetd.listening'; at: number; id: string; port: number; protocol: string; change: InetdStateChange }
  | { type: 'inetd.closed'; at: number; id: string; change?: InetdStateChange }
  | { type: 'inetd.suspended'; at: number; id: string; until: number; reason: string; change: InetdStateChange }
  | { type: 'inetd.resumed'; at: number; id: string; port: number; change: InetdStateChange }
  | {
      type: 'inetd.server'; at: number; id: string; pid: number; state: 'started' | 'exited';
      code?: number | null; signal?: string | null; change?: InetdStateChange;
    }
  | { type: 'inetd.error'; at: number; id: string; message: string; change?: InetdStateChange }
  /** About the engine rather than one service (id names the part, e.g. "hearth-spawner"). */
  | { type: 'inetd.notice'; at: number; id: string; level: 'warn' | 'error'; message: string; change?: never };

/** One connection log line, in xinetd.log(5)'s words (START/EXIT/FAIL/TRAFFIC/USERID). */
export interface InetdLogLine {
  id: string;
  level: 'info' | 'warn' | 'error';
  message: string;
  /**
   * A line of the service's own xinetd log: the engine has already written it
   * to log_type's FILE; the host journals it (as a syslog record when `syslog`).
   * false: hearth's note for the journal only.
   */
  service: boolean;
  /** log_type = SYSLOG facility level: the record's facility and priority. */
  syslog?: { facility: number; level: number };
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
  /**
   * The process tracking of a service by id (hearthd's cgroup per unit): its
   * servers join the service's cgroup before they run, and stopping the
   * service stops everything in it. Without it, a service's servers are
   * known by pid only.
   */
  unitOf?(id: string): UnitTracking;
  /** Added to every port below 1024 (hearth.toml [inetd] port_offset). */
  portOffset?: number;
  /** hearth.toml [inetd] env_compat: "xinetd" leaves out REMOTE_ADDR and REMOTE_PORT. Default "hearth". */
  envCompat?: EnvCompat;
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
