import type net from 'node:net';
import type { ChildProcess, spawn as spawnType } from 'node:child_process';
import type { InetdServiceDefinition, RefusalReason } from '../model/index.js';
import type { ServerProcess, ServerSpawner } from '../native/index.js';
import type { UnitTracking } from '../boundary/index.js';
import type { Admission } from './admission.js';
import type { ConnectionLog } from './xinetd-log.js';
import type { Prepared } from './service-setup.js';
import type { EnvCompat } from './server-launch.js';
import type { InetdEvent, InetdLogLine } from './types.js';

/** A service that tcpmux can hand a connection to. */
export interface MuxTarget {
  readonly def: InetdServiceDefinition;
  handOff(sock: net.Socket, remote: string | undefined): void;
}

/** What every service needs from the engine that owns it. */
export interface EngineContext {
  spawn: typeof spawnType;
  /** Per-connection servers (TCP, wait = no); wait = yes servers use spawn. */
  servers: ServerSpawner;
  /** hearth-acceptor, for plain wait = no TCP services; null: not built or not wanted. */
  acceptorPath: string | null;
  portOffset: number;
  envCompat: EnvCompat;
  /** A service's cgroup side (cgroup or process-group tracking); undefined: servers are tracked by pid only. */
  unitOf?(id: string): UnitTracking;
  emit(e: InetdEvent): void;
  log(l: InetdLogLine): void;
  /** xinetd keeps one chargen ring position for the whole daemon (advanced by UDP replies). */
  chargenPosition: number;
  /** UDP source ports never answered (internal services' well-known ports, offset too). */
  udpGuardPorts: Set<number>;
  udpReplyRate: number;
  udpReplyRatePerSource: number;
  findMuxService(name: string): MuxTarget | undefined;
  muxServiceNames(): string[];
}

export type InternalName = 'echo' | 'discard' | 'chargen' | 'daytime' | 'time' | 'tcpmux';

/**
 * One service as its connection handlers see it (stream-connections.ts,
 * datagram-service.ts, wait-service.ts, server-launch.ts): the definition,
 * what start() prepared, the limits, the log, and the live set that stop()
 * ends. ServiceRuntime is the one implementation.
 */
export interface ServiceCore {
  readonly def: InetdServiceDefinition;
  readonly ctx: EngineContext;
  readonly internal: InternalName | undefined;
  /** xinetd forks a process per connection: a server, a relay, or echo/discard/chargen/tcpmux over TCP. */
  readonly forks: boolean;
  readonly prepared: Prepared;
  readonly admission: Admission;
  readonly log: ConnectionLog;
  /** Live connections of long-lived internal services and relays, ended when the service is stopped with its servers. */
  readonly conns: Set<{ destroy(): void }>;
  /** Running servers, signalled when the service is stopped with its servers. */
  readonly children: Set<ChildProcess | ServerProcess>;
  /** null admits; otherwise why not: the limits (admission.ts), then the address rules unless they wait for a reverse lookup. */
  admit(remote: string | undefined, counted: boolean): RefusalReason | null;
  /** One more connection served. */
  countServed(): void;
  /**
   * Counts and logs a refusal: xinetd's FAIL line, between START and EXIT
   * lines for an address refused where xinetd forks (its child checks the
   * address after START is logged).
   */
  refuse(reason: RefusalReason, remote: string | undefined): void;
}
