/**
 * The inetd-style service model: one shape for xinetd.conf / xinetd.d, classic
 * inetd.conf lines and native `services/NAME.toml` files with `type = "inetd"`.
 * Loaders in src/config normalise every attribute; the super-server only ever
 * sees this. Nothing here knows about sockets.
 *
 * Native TOML spelling (documented in docs/inetd-services.md): every key is the
 * xinetd attribute name, values use TOML types instead of word lists:
 *   socket_type = "stream"          wait = false           port = 8007
 *   server = "/bin/cat"             server_args = ["-u"]   (or one string, split on blanks)
 *   only_from = ["127.0.0.1", "10.0.0.0/8"]   flags = ["NODELAY"]   type = "inetd"
 *   instances = 10 (or "UNLIMITED")  cps = [50, 10]  env = { LANG = "C" } or ["A=b"]
 *   rlimit_as = "8M"  umask = "022"  redirect = "10.0.0.2 80"  disable = false
 * `type = "inetd"` marks the file as inetd-style; xinetd's own type words go in
 * `inetd_type = ["INTERNAL"]`.
 */
import type { Origin, Rlimits } from './service.js';

export type InetdProtocol = 'tcp' | 'udp';
export type InetdSocketType = 'stream' | 'dgram';

export type InetdType = 'INTERNAL' | 'UNLISTED' | 'TCPMUX' | 'TCPMUXPLUS' | 'RPC';
export type InetdFlag =
  | 'NAMEINARGS' | 'NODELAY' | 'KEEPALIVE' | 'IPv4' | 'IPv6' | 'REUSE'
  | 'NORETRY' | 'INTERCEPT' | 'IDONLY' | 'NOLIBWRAP' | 'SENSOR' | 'LABELED';
export const INETD_TYPES: readonly InetdType[] = ['INTERNAL', 'UNLISTED', 'TCPMUX', 'TCPMUXPLUS', 'RPC'];
export const INETD_FLAGS: readonly InetdFlag[] = [
  'NAMEINARGS', 'NODELAY', 'KEEPALIVE', 'IPv4', 'IPv6', 'REUSE',
  'NORETRY', 'INTERCEPT', 'IDONLY', 'NOLIBWRAP', 'SENSOR', 'LABELED',
];

/**
 * xinetd's log_type: where a service's START/EXIT/FAIL/TRAFFIC/USERID lines
 * go besides hearth's journal. FILE appends xinetd-format lines to `path`
 * (stopping at the hard limit); SYSLOG files them as syslog records of that
 * facility and level.
 */
export type InetdLogType =
  | { kind: 'file'; path: string; softLimit?: number; hardLimit?: number }
  | { kind: 'syslog'; facility: number; level: number };

export type LogSuccessItem = 'PID' | 'HOST' | 'USERID' | 'EXIT' | 'DURATION' | 'TRAFFIC';
export type LogFailureItem = 'HOST' | 'USERID' | 'ATTEMPT';
export const LOG_SUCCESS_ITEMS: readonly LogSuccessItem[] = ['PID', 'HOST', 'USERID', 'EXIT', 'DURATION', 'TRAFFIC'];
export const LOG_FAILURE_ITEMS: readonly LogFailureItem[] = ['HOST', 'USERID', 'ATTEMPT'];

/**
 * One only_from / no_access entry, already parsed. `bits` is how specific the
 * entry is (prefix length in the IPv6 space; IPv4 is mapped, so 10.0.0.0/8 is
 * 104): the more specific of the two matching lists decides, as xinetd.conf(5)
 * describes.
 */
export type AddressPattern =
  | { kind: 'net'; text: string; family: 4 | 6; address: string; prefix: number }
  | { kind: 'host'; text: string; name: string }
  | { kind: 'domain'; text: string; suffix: string };

/** An access_times interval in minutes since midnight, bounds included. */
export interface TimeInterval {
  from: number;
  to: number;
}

export interface InetdServiceDefinition {
  /** Service name (the word after `service`), used for /etc/services and tcpmux. */
  name: string;
  /** Unique id; defaults to the name. Distinguishes echo-stream from echo-dgram. */
  id: string;
  description: string;
  /** From a `# default: on|off` header (chkconfig style), when there was one. */
  defaultOn?: boolean;
  origin: Origin;
  /** `disable = yes` or defaults' disabled/enabled lists: the service is not offered. */
  disabled: boolean;
  /** Why the loader turned it off because of a bad value (file:line messages). */
  errors: string[];
  types: InetdType[];
  flags: InetdFlag[];
  socketType: InetdSocketType;
  protocol: InetdProtocol;
  /** Before port_offset; the super-server applies the offset when it binds. */
  port: number;
  /** Address to bind; undefined means every address of the family. */
  bind?: string;
  wait: boolean;
  user?: string;
  group?: string;
  /** `groups = yes`: the user's supplementary groups (initgroups); otherwise none, as xinetd does. */
  groups?: boolean;
  server?: string;
  /** Exactly the argv the server gets after argv[0] (or all of it with NAMEINARGS). */
  serverArgs: string[];
  env: Record<string, string>;
  /**
   * Names of hearthd's own variables passed through. Not set (here or in
   * defaults): the server gets hearthd's whole environment, as xinetd passes
   * its own.
   */
  passenv?: string[];
  nice?: number;
  umask?: number;
  rlimits: Rlimits;
  /** undefined = not set (no restriction); [] = nobody (xinetd's "only_from =" with no value). */
  onlyFrom?: AddressPattern[];
  noAccess?: AddressPattern[];
  accessTimes?: TimeInterval[];
  /** undefined = UNLIMITED. */
  instances?: number;
  perSource?: number;
  /**
   * More than `rate` connections within `intervalSeconds` (default 1: xinetd's
   * cps) pause the service for pauseSeconds; rate 0 = off. inetd.conf's
   * "nowait.max" is max per 60 seconds.
   */
  cps: { rate: number; pauseSeconds: number; intervalSeconds?: number };
  maxLoad?: number;
  logType?: InetdLogType;
  logOnSuccess: LogSuccessItem[];
  logOnFailure: LogFailureItem[];
  banner?: string;
  bannerSuccess?: string;
  bannerFail?: string;
  redirect?: { host: string; port: number };
}

/** xinetd's compiled-in default: 50 connections per second, then a 10 s pause. */
export const DEFAULT_CPS = { rate: 50, pauseSeconds: 10 } as const;

/** What the super-server reports for one inetd-style service. */
export interface InetdServiceStatus {
  id: string;
  name: string;
  description: string;
  source: string;
  protocol: InetdProtocol;
  /** The port actually bound (after port_offset); null when not listening. */
  port: number | null;
  bind: string | null;
  /** broken: its definition cannot be served; failed: it could not have its port (see errors). */
  state: 'listening' | 'waiting' | 'suspended' | 'disabled' | 'broken' | 'failed' | 'off';
  detail?: string;
  served: number;
  refused: Record<RefusalReason, number>;
  instances: number;
  suspendedUntil: number | null;
  /** pid of the wait=yes server that owns the socket right now. */
  pid: number | null;
  errors: string[];
}

export type RefusalReason =
  | 'address'
  | 'time'
  | 'instances'
  | 'per_source'
  | 'cps'
  | 'load'
  | 'spawn';

export const REFUSAL_REASONS: readonly RefusalReason[] = ['address', 'time', 'instances', 'per_source', 'cps', 'load', 'spawn'];

/** Definitions are compared without their origin, so moving a block in a file is no change. */
export function inetdDefinitionKey(def: InetdServiceDefinition): string {
  const { origin: _o, description: _d, defaultOn: _dflt, ...rest } = def;
  return JSON.stringify(rest);
}

/** The unit that is the super-server itself, named after the daemon it stands in for. */
export const SUPER_SERVER_NAME = 'xinetd';
