import { HearthError } from '../errors/index.js';
import { compareNames, didYouMean, type ServiceState, type ServiceStatus } from '../model/index.js';
import type { LoadedConfig } from '../config/index.js';
import type { ApplyReport, RecoveryReport, RunlevelUnit, UnitAction, UnitBackend, UnitDetail } from './backend.js';

/** A name defined by two kinds of unit: the first registered backend wins, the other is hidden. */
export interface ShadowedUnit {
  name: string;
  kind: string;
  by: string;
}

interface Owner {
  backend: UnitBackend;
  name: string;
}

/** Which unit owns each key (see owners()); `sole` is set when one backend lists every unit, so none is shadowed. */
interface OwnerIndex {
  get(key: string): Owner | undefined;
  values(): Iterable<Owner>;
  sole?: UnitBackend;
}

/** The suffix a unit name may leave out: "nginx" and "nginx.service" are one unit, as systemctl reads them. */
const IMPLIED_SUFFIX = '.service';

/** The name two kinds of unit are compared by: without the implied suffix. */
export function unitKey(name: string): string {
  return name.endsWith(IMPLIED_SUFFIX) && name.length > IMPLIED_SUFFIX.length ? name.slice(0, -IMPLIED_SUFFIX.length) : name;
}

/**
 * Every unit hearthd knows, whatever its kind. Backends are registered in
 * order of precedence: when two kinds define the same name (a native service
 * and an init script called "cron"), the earlier one is the unit and the
 * later one is reported as shadowed — never run twice. "cron" and
 * "cron.service" count as the same name, so a systemd unit shadows an init
 * script of its base name (as systemd ignores a script that has a unit) and
 * a native service file shadows a systemd unit. A name resolves with or
 * without its ".service": `hearth status nginx` finds nginx.service.
 */
export class UnitRegistry {
  private readonly backends: UnitBackend[] = [];
  private shadowed: ShadowedUnit[] = [];

  register(backend: UnitBackend): void {
    this.backends.push(backend);
  }

  /** Applies a loaded config to every backend, in order of precedence. */
  async apply(config: LoadedConfig, phase: 'boot' | 'reload'): Promise<ApplyReport & { shadowed: ShadowedUnit[] }> {
    const reports: Array<[UnitBackend, ApplyReport]> = [];
    for (const backend of this.backends) reports.push([backend, await backend.apply(config, phase)]);
    // One owners map for the whole apply: at 10,000 units each costs a reload megabytes.
    const owners = this.owners();
    this.shadowed = this.findShadowed(owners);
    const report: ApplyReport = { added: [], changed: [], removed: [], unchanged: [] };
    for (const [backend, r] of reports) {
      // Only the unit that owns a name speaks for it; a shadowed twin's changes are not the unit's.
      for (const key of ['added', 'changed', 'unchanged'] as const) {
        report[key].push(...(owners.sole === backend ? r[key] : r[key].filter((n) => owners.get(unitKey(n))?.backend === backend)));
      }
      report.removed.push(...r.removed.filter((n) => !this.has(n)));
    }
    for (const list of Object.values(report)) list.sort(compareNames);
    return { ...report, shadowed: this.shadowed };
  }

  recover(): RecoveryReport {
    const all: Required<RecoveryReport> = { adopted: [], leftStopped: [], died: [], changed: [], orphaned: [] };
    for (const b of this.backends) {
      const r = b.recover?.();
      if (!r) continue;
      for (const key of ['adopted', 'leftStopped', 'died', 'changed', 'orphaned'] as const) all[key].push(...(r[key] ?? []));
    }
    return all;
  }

  /** The backend that owns a name, or undefined. */
  find(name: string): UnitBackend | undefined {
    return this.lookup(name)?.backend;
  }

  /** The unit's own name for what was asked ("nginx" → "nginx.service"), or undefined when no unit has it. */
  resolve(name: string): string | undefined {
    return this.lookup(name)?.name;
  }

  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  /** Every unit's name; a shadowed twin's is not one. */
  names(): string[] {
    return [...this.owners().values()].map((o) => o.name);
  }

  /** Each unit key to the first backend that defines it, in order of precedence. */
  private owners(): OwnerIndex {
    const listed = this.backends.map((backend) => ({ backend, names: backend.names() }));
    const nonEmpty = listed.filter((l) => l.names.length > 0);
    // One kind of unit, none named with the implied suffix (the usual host, and the big fleet):
    // every name is its own unit, and no map of them all is made on each reload and list.
    if (nonEmpty.length <= 1 && !nonEmpty[0]?.names.some((n) => n.endsWith(IMPLIED_SUFFIX))) {
      const sole = nonEmpty[0];
      return {
        get: (key) => (sole?.backend.lists(key) ? { backend: sole.backend, name: key } : undefined),
        values: () => sole?.names.map((name) => ({ backend: sole.backend, name })) ?? [],
        sole: sole?.backend,
      };
    }
    const owners = new Map<string, Owner>();
    for (const { backend, names } of listed) {
      for (const name of names) {
        const key = unitKey(name);
        // The exact name beats the same name with the implied suffix.
        const held = owners.get(key);
        if (!held || (held.backend === backend && name === key)) owners.set(key, { backend, name });
      }
    }
    return { get: (key) => owners.get(key), values: () => owners.values() };
  }

  /**
   * The same answer as owners().get(unitKey(name)), without building the
   * map: a runlevel asks this for every unit it plans and settles, and a map
   * of every unit per question made a boot the square of the fleet's size.
   */
  private lookup(name: string): { backend: UnitBackend; name: string } | undefined {
    const key = unitKey(name);
    // The names with this key: the key itself (preferred), and the key with the implied suffix.
    const candidates = [key, key + IMPLIED_SUFFIX].filter((n) => unitKey(n) === key);
    for (const backend of this.backends) {
      const listed = candidates.find((n) => backend.lists(n));
      if (listed !== undefined) return { backend, name: listed };
    }
    // Names a backend answers to without listing them (a systemd unit's aliases, a template's instances).
    const backend = this.backends.find((b) => b.has(name));
    return backend ? { backend, name } : undefined;
  }

  kindOf(name: string): string | undefined {
    return this.find(name)?.kind;
  }

  shadowedUnits(): readonly ShadowedUnit[] {
    return this.shadowed;
  }

  list(): ServiceStatus[] {
    const owners = this.owners();
    const out: ServiceStatus[] = [];
    for (const b of this.backends) {
      for (const s of b.list()) {
        const owner = owners.get(unitKey(s.name));
        if (owner?.backend === b && owner.name === s.name) out.push(s);
      }
    }
    return out.sort((a, b) => compareNames(a.name, b.name));
  }

  detail(name: string): Promise<UnitDetail | undefined> {
    const hit = this.lookup(name);
    return hit?.backend.detail(hit.name) ?? Promise.resolve(undefined);
  }

  /** Resolves with the state the unit settled in; rejects with a HearthError. */
  act(name: string, action: UnitAction): Promise<ServiceState> {
    const hit = this.lookup(name);
    return (hit?.backend ?? this.require(name)).act(hit?.name ?? name, action);
  }

  runlevelUnit(name: string): RunlevelUnit | undefined {
    const hit = this.lookup(name);
    return hit?.backend.runlevelUnit(hit.name);
  }

  runlevelUnits(): RunlevelUnit[] {
    // One owners map for the whole pass: a lookup per name would rebuild it for each
    // (n² at 10,000 units; a --cpu-prof of a 10,000-port boot showed the per-name scans).
    return [...this.owners().values()].map((o) => o.backend.runlevelUnit(o.name)).filter((u): u is RunlevelUnit => u !== undefined);
  }

  isUp(name: string): boolean {
    const hit = this.lookup(name);
    return hit?.backend.isUp(hit.name) ?? false;
  }

  ownerOf(pid: number): string | undefined {
    for (const b of this.backends) {
      const owner = b.ownerOf?.(pid);
      if (owner !== undefined) return owner;
    }
    return undefined;
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.backends.map((b) => b.shutdown()));
  }

  /** The backend for a name, or ERR_UNKNOWN_SERVICE with the nearest names as a hint. */
  require(name: string): UnitBackend {
    const backend = this.find(name);
    if (backend) return backend;
    const hint = didYouMean(name, this.names());
    throw new HearthError('ERR_UNKNOWN_SERVICE', `unknown service "${name}"`, { hint: hint ?? 'see "hearth list"' });
  }

  private findShadowed(owners: OwnerIndex): ShadowedUnit[] {
    const shadowed: ShadowedUnit[] = [];
    if (owners.sole) return shadowed;
    for (const b of this.backends) {
      for (const n of b.names()) {
        const owner = owners.get(unitKey(n))!;
        if (owner.backend !== b) shadowed.push({ name: n, kind: b.kind, by: owner.backend.kind });
      }
    }
    return shadowed;
  }
}
