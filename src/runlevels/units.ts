/** Adapters from the model (SysV scripts, native services) to what ordering and enablement need. */
import type { ServiceDefinition, SysvScript } from '../model/index.js';
import type { EnablementUnit } from './enablement.js';
import type { OrderUnit } from './order.js';

export function sysvEnablementUnit(s: SysvScript): EnablementUnit {
  return {
    name: s.name,
    defaultLevels: s.defaultLevels,
    ...(s.startPriority !== undefined ? { startPriority: s.startPriority } : {}),
    ...(s.stopPriority !== undefined ? { stopPriority: s.stopPriority } : {}),
    provides: s.provides,
    ...(!s.chkconfig && s.lsb?.sysinit ? { sysinit: true, stopLevels: s.lsb.defaultStop } : {}),
    ...(s.lsb
      ? {
          requiredStart: s.lsb.requiredStart,
          shouldStart: s.lsb.shouldStart,
          requiredStop: s.lsb.requiredStop,
          shouldStop: s.lsb.shouldStop,
        }
      : {}),
  };
}

export function sysvOrderUnit(s: SysvScript): OrderUnit {
  return {
    name: s.name,
    requires: s.lsb?.requiredStart ?? [],
    wants: s.lsb?.shouldStart ?? [],
    before: s.lsb?.xStartBefore ?? [],
    provides: s.provides,
    // An LSB script with stop tags stops by them, as insserv orders K links; one without any
    // stop line stops in the start order reversed (what SUSE's insserv assumes).
    ...(s.lsb?.stopDeclared ? { stop: { requires: s.lsb.requiredStop, wants: s.lsb.shouldStop, after: s.lsb.xStopAfter } } : {}),
    ...(s.lsb?.interactive ? { interactive: true } : {}),
    ...(s.startPriority !== undefined ? { startPriority: s.startPriority } : {}),
    ...(s.stopPriority !== undefined ? { stopPriority: s.stopPriority } : {}),
  };
}

type OrderedService = Pick<ServiceDefinition, 'name' | 'requires' | 'after' | 'before' | 'provides'>;

export function serviceOrderUnit(d: OrderedService): OrderUnit {
  return { name: d.name, requires: d.requires, after: d.after, before: d.before, provides: d.provides };
}

export function serviceEnablementUnit(d: Pick<ServiceDefinition, 'name' | 'runlevels' | 'provides' | 'requires'>): EnablementUnit {
  return { name: d.name, defaultLevels: d.runlevels, provides: d.provides };
}
