import type { Socket } from 'node:net';
import type { HearthEvent, ServiceDefinition, ServiceState, ServiceStatus } from '../model/index.js';
import type { OutputFifos } from './output-fifo.js';
import type { RuntimeStateStore } from './runtime-state.js';
import type { LogSink } from './service-output.js';
import type { ProcessTracking } from '../boundary/index.js';
import type { Datagram, ServerSpawner } from '../native/index.js';

/** What a runner gets from the Supervisor. */
export interface RunnerContext {
  emit(event: HearthEvent): void;
  /** Where output goes; called once per runner. */
  logSink(def: ServiceDefinition): LogSink;
  /**
   * Creates (once) the service's sd_notify socket and returns its path. With
   * `attributed`, each message comes with the sender's ancestry, read as it
   * arrived (a pool tells its workers apart by it); that costs a listener on
   * the kernel's process events, so only a runner that needs it asks.
   */
  notifySocketFor(name: string, attributed?: boolean): Promise<string>;
  /** Named pipes for output that outlive hearthd; without them, plain pipes. */
  fifos?: OutputFifos;
  /** Where pids and counters are kept for a recovering hearthd. */
  runtimeState?: RuntimeStateStore;
  configDir: string;
  /** Which processes belong to which unit on this host (cgroups or process groups). */
  tracking: ProcessTracking;
  /** The kind its units are tracked as (the cgroup is NAME.KIND): "service", or "systemd" for systemd's units. */
  trackingKind: string;
  /** Sockets held for the service elsewhere (a systemd socket unit's), passed on at every start. */
  heldSockets?(name: string): HeldSockets[];
  /** The connection a per-connection service (Accept=yes) serves: its stdin, and its stdout/stderr where they say "socket". */
  connection?(name: string): Socket | undefined;
  /** hearth-spawner, which starts main processes inside their cgroup without forking hearthd (when it runs). */
  spawner?: ServerSpawner;
}

/** Who sent an sd_notify message: its pid, and on an attributed socket its ancestors (parent first). */
export type NotifySender = Pick<Datagram, 'pid' | 'lineage'>;

/** Listening sockets a hearth-socket helper holds: fetched from controlPath into the service's fds 3… */
export interface HeldSockets {
  controlPath: string;
  /** LISTEN_FDNAMES, one per socket. */
  names: string[];
}


/**
 * What the Supervisor needs from anything that runs a service: a single
 * process (ServiceRunner) or a pre-forked pool of workers (PoolRunner).
 */
export interface Runner {
  readonly def: ServiceDefinition;
  readonly name: string;
  readonly state: ServiceState;
  /** The main pid (for a pool: null, the workers are listed in details()). */
  readonly pid: number | null;
  readonly processGroup: number | null;
  readonly wantedRunning: boolean;
  snapshot(): ServiceStatus;
  /** Extra sections for `hearth status` (workers of a pool, …). */
  details?(): Record<string, unknown>;
  start(): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Sends the reload signal, or (pools) replaces the workers without downtime. */
  reload(): void | Promise<void>;
  handleNotify(payload: Buffer, sender?: NotifySender): void;
  /** Sends a signal to the main process, the running control command, or every process; how many it reached. */
  signal?(signal: NodeJS.Signals, whom: 'main' | 'control' | 'all'): number;
  /**
   * Takes a definition that differs only in settings the running process
   * never sees (description, order, restart policy, stop settings, logs):
   * from now on they apply, without a restart.
   */
  redefine(def: ServiceDefinition): void;
  /** Every pid that belongs to the service, for attribution (syslog, notify). */
  pids?(): number[];
  /** Where the service's processes are tracked (its cgroup). */
  readonly cgroup: string;
  /** Memory, CPU and task count of the whole service (all its processes). */
  usage(): { memoryBytes: number; cpuSeconds: number; tasks: number } | undefined;
  dispose(): void;
}
