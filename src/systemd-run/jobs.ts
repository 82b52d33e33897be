/**
 * Starting, stopping, restarting and reloading a systemd unit with its
 * [Unit] relations, as systemd's jobs do: a start checks Condition*= (a
 * failed one skips the start quietly) and Assert*= (a failed one fails it),
 * needs Requisite= units up, stops Conflicts= units, pulls in Requires=,
 * BindsTo= and Wants= (waiting for those it is After=; a hard one that fails
 * fails the start); a stop first stops what Requires=, BindsTo= or is
 * PartOf= the unit; a restart restarts PartOf= units too; a reload
 * propagates along PropagatesReloadTo=/ReloadPropagatedFrom=. Units of other
 * kinds (an init script the unit is After=) are reached through the registry.
 */
import { HearthError, describeError } from '../errors/index.js';
import { missingBus, missingWatcher, systemBusAddress } from '../supervisor/index.js';
import type { HostFacts, SystemdUnit } from '../systemd/index.js';
import { evaluateConditions } from './conditions.js';
import type { UnitState } from './unit-state.js';

/** Units of other kinds, through the registry. */
export interface OtherUnits {
  has(name: string): boolean;
  isUp(name: string): boolean;
  start(name: string): Promise<void>;
  stop(name: string): Promise<void>;
}

export interface JobContext {
  state: UnitState;
  others: OtherUnits;
  host: () => HostFacts | undefined;
  /** A soft dependency's failure, or a note on a skipped start: logged, not thrown. */
  note(name: string, message: string): void;
}

function up(ctx: JobContext, name: string): boolean {
  const own = ctx.state.canonical(name);
  return own !== undefined ? ctx.state.isUp(own) : ctx.others.has(name) && ctx.others.isUp(name);
}

/** A dependency on a unit nobody has: a target without a file is a point reached at once; anything else is missing. */
async function startDependency(ctx: JobContext, dep: string, chain: readonly string[]): Promise<void> {
  if (chain.includes(dep)) return;
  if (ctx.state.canonical(dep) !== undefined) return startUnit(ctx, dep, chain);
  if (ctx.others.has(dep)) return ctx.others.start(dep);
  if (dep.endsWith('.target')) return;
  throw new HearthError('ERR_UNKNOWN_SERVICE', `Unit ${dep} not found.`);
}

export async function startUnit(ctx: JobContext, name: string, chain: readonly string[] = []): Promise<void> {
  const own = ctx.state.canonical(name);
  if (own === undefined) throw new HearthError('ERR_UNKNOWN_SERVICE', `Unit ${name} not found.`);
  const u = ctx.state.units.get(own)!;
  if (u.loadState === 'masked') throw new HearthError('ERR_SERVICE_BROKEN', `Unit ${own} is masked.`);
  if (u.loadState !== 'loaded') throw new HearthError('ERR_SERVICE_BROKEN', `Unit ${own} failed to load properly: ${u.loadState}.`);
  const refused = ctx.state.refused.get(own);
  if (refused) throw new HearthError('ERR_SERVICE_BROKEN', `Unit ${own} cannot be started: ${refused.join('; ')}`);
  if (ctx.state.isUp(own)) return;
  const host = ctx.host();
  if (host) {
    const condition = evaluateConditions(u.unit.conditions, host, 'Condition');
    if (!condition.ok) {
      ctx.state.skipped.set(own, condition.failed!);
      ctx.note(own, `start condition failed: ${condition.failed}`);
      return;
    }
    const assertion = evaluateConditions(u.unit.asserts, host, 'Assert');
    if (!assertion.ok) throw new HearthError('ERR_SPAWN', `Assertion failed on job for ${own}: ${assertion.failed}`);
  }
  ctx.state.skipped.delete(own);
  for (const r of u.unit.requisite) if (!up(ctx, r)) throw new HearthError('ERR_SPAWN', `Requisite ${r} of ${own} is not active.`);
  const conflicting = [...u.unit.conflicts, ...[...ctx.state.units.values()].filter((v) => v.unit.conflicts.includes(own)).map((v) => v.name)];
  await Promise.all(conflicting.filter((c) => up(ctx, c)).map((c) => stopUnit(ctx, c)));
  const next = [...chain, own];
  // A socket comes up before the service it hands its sockets to, as systemd orders them.
  const after = new Set([...u.unit.after, ...[...ctx.state.sockets.values()].filter((s) => ctx.state.canonical(s.service) === own).map((s) => s.unit.name)]);
  const hard = new Set([...u.unit.requires, ...u.unit.bindsTo]);
  const deps = [...new Set([...u.unit.requires, ...u.unit.bindsTo, ...u.unit.wants])];
  const waited: Array<Promise<void>> = [];
  for (const dep of deps) {
    const job = startDependency(ctx, dep, next).catch((e: unknown) => {
      if (hard.has(dep) && after.has(dep)) throw new HearthError('ERR_SPAWN', `Dependency failed for ${own}: ${dep}: ${describeError(e)}`);
      ctx.note(own, `${hard.has(dep) ? 'required' : 'wanted'} unit ${dep} did not start: ${describeError(e)}`);
    });
    if (after.has(dep)) waited.push(job);
  }
  await Promise.all(waited);
  await startOwn(ctx, own);
}

/**
 * Type=dbus is ready when its BusName= has an owner on the system bus: with
 * no bus to ask, it could never be, so the start is refused before anything
 * runs. Checked after the dependencies, which may be what brings the bus up.
 */
function refuseWithoutBus(u: SystemdUnit): void {
  const busName = u.service?.busName;
  if (u.service?.type !== 'dbus' || busName === undefined) return;
  const address = systemBusAddress();
  const missing = missingBus(address) ?? missingWatcher();
  if (missing === undefined) return;
  throw new HearthError('ERR_SERVICE_BROKEN', `Unit ${u.name} cannot be started: Type=dbus waits for BusName=${busName} on the system bus, and ${missing} (address ${address})`);
}

async function startOwn(ctx: JobContext, name: string): Promise<void> {
  const s = ctx.state;
  const type = s.units.get(name)!.type;
  if (type === 'service') {
    refuseWithoutBus(s.units.get(name)!);
    return s.supervisor.start(name);
  }
  if (type === 'socket') return s.sockets.get(name)!.start();
  if (type === 'timer') return s.timers.get(name)!.start();
  if (type === 'target') s.targets.set(name, { active: true, since: Date.now() });
}

/** The units that go down with this one: Requires=, BindsTo=, PartOf= it, or StopPropagatedFrom= it. */
function dependents(ctx: JobContext, name: string, restartToo: boolean): string[] {
  const own = ctx.state.units.get(name);
  const out = new Set<string>(own?.unit.propagatesStopTo ?? []);
  for (const v of ctx.state.units.values()) {
    if (v.name === name) continue;
    const deps = restartToo ? v.unit.partOf : [...v.unit.requires, ...v.unit.bindsTo, ...v.unit.partOf, ...v.unit.stopPropagatedFrom];
    if (deps.includes(name)) out.add(v.name);
  }
  return [...out].filter((n) => up(ctx, n));
}

export async function stopUnit(ctx: JobContext, name: string, chain: readonly string[] = []): Promise<void> {
  const own = ctx.state.canonical(name);
  if (own === undefined) {
    if (ctx.others.has(name)) return ctx.others.stop(name);
    throw new HearthError('ERR_UNKNOWN_SERVICE', `Unit ${name} not loaded.`);
  }
  const next = [...chain, own];
  await Promise.all(dependents(ctx, own, false).filter((d) => !chain.includes(d)).map((d) => stopUnit(ctx, d, next)));
  ctx.state.skipped.delete(own);
  const s = ctx.state;
  const type = s.units.get(own)!.type;
  if (type === 'service' && s.supervisor.has(own)) await s.supervisor.stop(own);
  else if (type === 'socket') await s.sockets.get(own)?.stop();
  else if (type === 'timer') s.timers.get(own)?.stop();
  else if (type === 'target') s.targets.set(own, { active: false, since: Date.now() });
}

export async function restartUnit(ctx: JobContext, name: string): Promise<void> {
  const own = ctx.state.canonical(name) ?? name;
  const partOf = dependents(ctx, own, true);
  if (ctx.state.units.get(own)?.type === 'service' && ctx.state.supervisor.has(own) && ctx.state.isUp(own)) {
    await ctx.state.supervisor.stop(own);
  } else await stopUnit(ctx, own);
  await startUnit(ctx, own);
  await Promise.all(partOf.map((d) => restartUnit(ctx, d)));
}

export async function reloadUnit(ctx: JobContext, name: string, chain: readonly string[] = []): Promise<void> {
  const own = ctx.state.canonical(name);
  const u = own !== undefined ? ctx.state.units.get(own) : undefined;
  if (!u) throw new HearthError('ERR_UNKNOWN_SERVICE', `Unit ${name} not loaded.`);
  if (u.type !== 'service') throw new HearthError('ERR_BAD_REQUEST', `Job type reload is not applicable for unit ${u.name}.`);
  if (!ctx.state.isUp(u.name)) throw new HearthError('ERR_BAD_REQUEST', `Unit ${u.name} cannot be reloaded because it is inactive.`);
  const s = u.service!;
  if (s.execReload.length === 0 && (s.type === 'oneshot' || s.type === 'forking') && ctx.state.supervisor.get(u.name).pid === null) {
    throw new HearthError('ERR_BAD_REQUEST', `Job type reload is not applicable for unit ${u.name}.`);
  }
  await ctx.state.supervisor.reload(u.name);
  const next = [...chain, u.name];
  const targets = new Set(u.unit.propagatesReloadTo);
  for (const v of ctx.state.units.values()) if (v.unit.reloadPropagatedFrom.includes(u.name)) targets.add(v.name);
  await Promise.all([...targets].filter((t) => !chain.includes(t) && up(ctx, t)).map((t) => reloadUnit(ctx, t, next).catch((e: unknown) => ctx.note(t, `reload failed: ${describeError(e)}`))));
}
