import type { ServiceDefinition, ServiceState, ServiceStatus } from '../model/index.js';

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
  handleNotify(payload: Buffer, senderPid?: number): void;
  /** Every pid that belongs to the service, for attribution (syslog, notify). */
  pids?(): number[];
  /** Memory and CPU when the runner knows better than its process group (a pool's workers). */
  usage?(): { memoryBytes: number; cpuSeconds: number } | undefined;
  dispose(): void;
}
