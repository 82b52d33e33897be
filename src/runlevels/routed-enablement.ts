import type { Enablement, EnablementUnit } from './enablement.js';
import type { LevelFlags } from './levels.js';

/**
 * The enablement store every unit uses, except units whose enablement lives
 * elsewhere and say so (`unit.own`: a systemd unit's .wants links). chkconfig,
 * ntsysv, the GUI matrix and runlevel switches see both through this one object.
 */
export class RoutedEnablement implements Enablement {
  constructor(readonly base: Enablement) {}

  private of(unit: EnablementUnit): Enablement {
    return unit.own ?? this.base;
  }

  get(unit: EnablementUnit): LevelFlags | null {
    return this.of(unit).get(unit);
  }
  add(unit: EnablementUnit): void {
    this.of(unit).add(unit);
  }
  del(unit: EnablementUnit): void {
    this.of(unit).del(unit);
  }
  set(unit: EnablementUnit, levels: readonly number[], on: boolean): void {
    this.of(unit).set(unit, levels, on);
  }
  reset(unit: EnablementUnit, levels: readonly number[]): void {
    this.of(unit).reset(unit, levels);
  }
  resetPriorities(unit: EnablementUnit, levels: readonly number[]): void {
    this.of(unit).resetPriorities(unit, levels);
  }
  override(unit: EnablementUnit, overridden: EnablementUnit): boolean {
    return this.of(unit).override(unit, overridden);
  }
  bootEnabled(unit: EnablementUnit): boolean {
    const e = this.of(unit);
    return e.bootEnabled ? e.bootEnabled(unit) : unit.sysinit === true && e.get(unit) !== null;
  }
}
