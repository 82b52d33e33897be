import type { ServiceState, ServiceStatus } from '../model/index.js';
import type { LoadedConfig } from '../config/index.js';
import type { RunlevelUnit } from '../runlevels/index.js';

export type { RunlevelUnit };

export type UnitAction = 'start' | 'stop' | 'restart' | 'reload';

/** A unit as `hearth status` shows it: its status plus sections only its kind has. */
export interface UnitDetail extends ServiceStatus {
  extra?: Record<string, unknown>;
}

/** What a (re)load changed, by unit name. */
export interface ApplyReport {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
}

/** What a hearthd found of its predecessor's units after an unclean stop. */
export interface RecoveryReport {
  /** Still running: taken over with the same pid. */
  adopted: string[];
  /** Stopped by the operator before the crash: left stopped. */
  leftStopped: string[];
  /** Died while hearthd was down. */
  died: string[];
  /** Adopted, but running an older definition: restarted with the current one. */
  changed: string[];
  /** Still running, but its definition is gone or broken: kept as "orphaned" (stoppable, never doubled). */
  orphaned?: string[];
}

/** What a passed-through action printed and how it ended, as service(8) would show it. */
export interface PassThroughResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** `hearth enable|disable` for a unit that is not switched per runlevel (an xinetd.d file's disable line). */
export interface EnableOutcome {
  name: string;
  levels: boolean[] | null;
  enabled?: boolean;
  /** The change was written to config files: hearthd must reload its config for it to take effect. */
  reload?: boolean;
}

/**
 * One kind of unit (native services and pools, SysV scripts, inetd-style
 * services, timers; later systemd units). The daemon talks to every kind
 * through this interface only, so adding a kind means adding a backend and
 * registering it — nothing else asks "which kind is this?".
 */
export interface UnitBackend {
  /** For messages and `hearth list`'s kind column. */
  readonly kind: string;
  /**
   * Brings this backend's part of a freshly loaded config into effect. At boot
   * nothing is started (the runlevel does that); on a reload, running units
   * whose definition changed are restarted, removed ones stopped.
   */
  apply(config: LoadedConfig, phase: 'boot' | 'reload'): Promise<ApplyReport>;
  /** After an unclean stop of the previous hearthd: adopt what still runs. */
  recover?(): RecoveryReport;
  names(): readonly string[];
  /** Whether `name` is one of names(), exactly (no alias): the registry's lookup asks each backend this. */
  lists(name: string): boolean;
  /** Whether the backend answers to `name`: one of names(), or an alias or instance it resolves. */
  has(name: string): boolean;
  list(): ServiceStatus[];
  detail(name: string): Promise<UnitDetail | undefined>;
  /** Carries out an action; resolves with the state it settled in, rejects with a HearthError. */
  act(name: string, action: UnitAction): Promise<ServiceState>;
  /** Ordering and enablement for units switched per runlevel; undefined for the others. */
  runlevelUnit(name: string): RunlevelUnit | undefined;
  /** Has (or is about to have) processes: a runlevel switch must stop it. */
  isUp(name: string): boolean;
  /** For units enabled some other way than per runlevel; undefined when the runlevel enablement applies. */
  setEnabled?(name: string, levels: number[] | undefined, on: boolean): Promise<EnableOutcome> | undefined;
  /**
   * `service NAME ACTION [ARGS]` passed through unchanged (init scripts: any
   * action the script knows, with its own output and exit status). Absent for
   * kinds that only know start/stop/restart/reload.
   */
  passThrough?(name: string, action: string, args: readonly string[]): Promise<PassThroughResult>;
  /** Which unit a pid belongs to, for syslog attribution and the audit. */
  ownerOf?(pid: number): string | undefined;
  /** Stops everything this backend runs (hearthd is shutting down). */
  shutdown(): Promise<void>;
}
