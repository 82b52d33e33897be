/**
 * Which services start in which runlevel. Two backends share this shape: a
 * JSON file in the state dir (hearth's own) and a real SysV tree of
 * rcN.d/S##name links (to interoperate with chkconfig/update-rc.d).
 */
import type { LevelFlags } from './levels.js';

/** What a backend needs to know about a service to enable it like chkconfig would. */
export interface EnablementUnit {
  name: string;
  /** Levels of the header / `runlevels` key: what `--add` and `reset` restore. */
  defaultLevels: readonly number[];
  /** S## number from a chkconfig header; computed from dependencies when absent. */
  startPriority?: number;
  /** K## number from a chkconfig header. */
  stopPriority?: number;
  /** `Default-Start: S`: runs in the boot level, before any numbered runlevel. */
  sysinit?: boolean;
  /** LSB Default-Stop: levels whose entry stops a boot-level unit (nfs-common: 0 1 6). */
  stopLevels?: readonly number[];
  /** LSB dependency words, used only to compute missing priorities. */
  provides?: readonly string[];
  requiredStart?: readonly string[];
  shouldStart?: readonly string[];
  requiredStop?: readonly string[];
  shouldStop?: readonly string[];
  /** Where this unit's enablement lives when it is not the common store (a systemd unit's .wants links). */
  own?: Enablement;
}

export interface Enablement {
  /**
   * On/off for levels 0..6, or null when the service is referenced in no
   * runlevel at all (after `chkconfig --del`, or never added to a SysV tree).
   */
  get(unit: EnablementUnit): LevelFlags | null;
  /** `chkconfig --add`: levels not yet configured get the unit's defaults. */
  add(unit: EnablementUnit): void;
  /** `chkconfig --del`: out of every level. */
  del(unit: EnablementUnit): void;
  /** `--level LEVELS name on|off`. */
  set(unit: EnablementUnit, levels: readonly number[], on: boolean): void;
  /** `--level LEVELS name reset`: those levels back to the unit's defaults. */
  reset(unit: EnablementUnit, levels: readonly number[]): void;
  /** `resetpriorities`: keep on/off, recompute S##/K## (a no-op without links). */
  resetPriorities(unit: EnablementUnit, levels: readonly number[]): void;
  /**
   * `chkconfig --override`: switch to the override's defaults, but only when
   * the service is still configured exactly as added (an admin's change wins).
   * Returns true when something changed.
   */
  override(unit: EnablementUnit, overridden: EnablementUnit): boolean;
  /** On in the boot level S; without this method, a unit whose header says S and that is not deleted. */
  bootEnabled?(unit: EnablementUnit): boolean;
}

/** Whether a unit runs in the boot level S (Debian's rcS.d). */
export function isBootEnabled(enablement: Enablement, unit: EnablementUnit): boolean {
  if (enablement.bootEnabled) return enablement.bootEnabled(unit);
  return unit.sysinit === true && enablement.get(unit) !== null;
}

export function isEnabledIn(enablement: Enablement, unit: EnablementUnit, level: number): boolean {
  return enablement.get(unit)?.[level] === true;
}

/** Names of the units enabled in a level, in the order given. */
export function enabledIn(enablement: Enablement, units: readonly EnablementUnit[], level: number): string[] {
  return units.filter((u) => isEnabledIn(enablement, u, level)).map((u) => u.name);
}
