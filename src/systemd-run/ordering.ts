/**
 * A systemd unit's [Unit] relations in the terms of hearth's one dependency
 * planner (the one LSB headers feed), so systemd units and init scripts
 * order against each other: Requires=/BindsTo= with After= are hard
 * requirements, Wants= with After= soft ones, After=/Before= order, and
 * the rest of the pulling in (Requires= without After=, Wants=) happens when
 * the unit starts. A dependency on a unit hearth does not have as a unit
 * file is read the way systemd's SysV generator writes it: foo.service is
 * the init script (or native service) "foo", and the well-known targets
 * stand for the LSB facilities.
 */
import type { OrderUnit } from '../runlevels/index.js';
import type { SystemdUnit } from '../systemd/index.js';

/** systemd's targets and the LSB facility each stands for (the SysV generator's table, read backwards). */
export const TARGET_FACILITIES: Readonly<Record<string, string>> = {
  'network.target': '$network',
  'network-online.target': '$network',
  'remote-fs.target': '$remote_fs',
  'local-fs.target': '$local_fs',
  'nss-lookup.target': '$named',
  'time-sync.target': '$time',
  'rpcbind.target': '$portmap',
};

/** The word the planner knows a dependency by. */
export function dependencyWord(dep: string, isUnit: (name: string) => boolean): string {
  if (isUnit(dep)) return dep;
  if (dep.endsWith('.service')) return dep.slice(0, -'.service'.length);
  return TARGET_FACILITIES[dep] ?? dep;
}

export function orderUnit(u: SystemdUnit, isUnit: (name: string) => boolean, activates: string[] = []): OrderUnit {
  const word = (d: string) => dependencyWord(d, isUnit);
  const after = new Set(u.unit.after);
  const hard = [...u.unit.requires, ...u.unit.bindsTo].filter((d) => after.has(d));
  const soft = u.unit.wants.filter((d) => after.has(d));
  const ordered = new Set([...hard, ...soft]);
  const provides = [...u.names.filter((n) => n !== u.name)];
  if (u.type === 'service') provides.push(u.name.slice(0, -'.service'.length), ...u.names.filter((n) => n.endsWith('.service')).map((n) => n.slice(0, -'.service'.length)));
  if (TARGET_FACILITIES[u.name]) provides.push(TARGET_FACILITIES[u.name]!);
  return {
    name: u.name,
    requires: hard.map(word),
    wants: soft.map(word),
    after: u.unit.after.filter((d) => !ordered.has(d)).map(word),
    // A socket (or timer) comes up before the service it activates, as systemd orders them.
    before: [...u.unit.before, ...activates].map(word),
    provides: [...new Set(provides)].filter((p) => p !== u.name),
  };
}
