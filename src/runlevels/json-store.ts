import * as path from 'node:path';
import { readJsonState, writeFileAtomicSync, type CorruptionReporter } from '../state/index.js';
import type { Enablement, EnablementUnit } from './enablement.js';
import { ALL_LEVELS, flagsToLevels, levelsToFlags, type LevelFlags } from './levels.js';

/** One service's stored choice. Services absent from the file follow their defaults. */
type Entry = { on: number[] } | { deleted: true };

interface StoreFile {
  version: 1;
  services: Record<string, Entry>;
}

export const ENABLEMENT_FILE = 'enablement.json';

/**
 * hearth's own enablement store: one JSON file in the state dir, rewritten
 * atomically on every change so it survives crashes of hearthd. A service
 * nobody has touched has no entry and follows its header's defaults (as if
 * `chkconfig --add` had run), so editing a header's levels still takes effect.
 */
export class JsonEnablementStore implements Enablement {
  readonly file: string;
  private services: Map<string, Entry>;

  constructor(
    stateDir: string,
    fileName = ENABLEMENT_FILE,
    private readonly report: CorruptionReporter = () => undefined,
  ) {
    this.file = path.join(stateDir, fileName);
    this.services = JsonEnablementStore.read(this.file, report);
  }

  /** A damaged file is set aside and reported; enablement then starts from each unit's defaults. */
  private static read(file: string, report: CorruptionReporter): Map<string, Entry> {
    const parsed = readJsonState<unknown>(file, report);
    const services = (parsed as Partial<StoreFile>)?.services;
    const out = new Map<string, Entry>();
    if (services && typeof services === 'object') {
      for (const [name, entry] of Object.entries(services)) {
        if (entry && typeof entry === 'object' && 'deleted' in entry && entry.deleted === true) out.set(name, { deleted: true });
        else if (entry && typeof entry === 'object' && 'on' in entry && Array.isArray(entry.on)) {
          out.set(name, { on: entry.on.filter((l: unknown) => typeof l === 'number' && l >= 0 && l <= 6) });
        }
      }
    }
    return out;
  }

  /** Re-reads the file (another process, e.g. an offline `hearth chkconfig`, may have changed it). */
  reload(): void {
    this.services = JsonEnablementStore.read(this.file, this.report);
  }

  private save(): void {
    const services: Record<string, Entry> = {};
    for (const name of [...this.services.keys()].sort()) services[name] = this.services.get(name)!;
    const body: StoreFile = { version: 1, services };
    writeFileAtomicSync(this.file, `${JSON.stringify(body, null, 2)}\n`);
  }

  /** True when someone has changed this service's enablement (it no longer follows defaults). */
  isCustomized(name: string): boolean {
    return this.services.has(name);
  }

  /** Drops entries of services that no longer exist (call after a config reload if wanted). */
  forgetExcept(names: Iterable<string>): void {
    const keep = new Set(names);
    let changed = false;
    for (const name of [...this.services.keys()]) {
      if (!keep.has(name)) {
        this.services.delete(name);
        changed = true;
      }
    }
    if (changed) this.save();
  }

  get(unit: EnablementUnit): LevelFlags | null {
    const entry = this.services.get(unit.name);
    if (!entry) return levelsToFlags(unit.defaultLevels);
    if ('deleted' in entry) return null;
    return levelsToFlags(entry.on);
  }

  private put(name: string, flags: LevelFlags): void {
    this.services.set(name, { on: flagsToLevels(flags) });
    this.save();
  }

  add(unit: EnablementUnit): void {
    // Levels already configured keep their state; a deleted service gets its defaults back.
    if (this.get(unit) !== null) return;
    this.put(unit.name, levelsToFlags(unit.defaultLevels));
  }

  del(unit: EnablementUnit): void {
    this.services.set(unit.name, { deleted: true });
    this.save();
  }

  set(unit: EnablementUnit, levels: readonly number[], on: boolean): void {
    const flags = this.get(unit) ?? ALL_LEVELS.map(() => false);
    for (const l of levels) flags[l] = on;
    this.put(unit.name, flags);
  }

  reset(unit: EnablementUnit, levels: readonly number[]): void {
    const flags = this.get(unit) ?? ALL_LEVELS.map(() => false);
    const defaults = levelsToFlags(unit.defaultLevels);
    for (const l of levels) flags[l] = defaults[l]!;
    if (flags.every((f, l) => f === defaults[l])) {
      // Back to exactly the defaults: follow the header again.
      this.services.delete(unit.name);
      this.save();
    } else this.put(unit.name, flags);
  }

  resetPriorities(): void {
    // Priorities live in rcN.d link names; this store orders by dependencies instead.
  }

  override(unit: EnablementUnit, overridden: EnablementUnit): boolean {
    const current = this.get(unit);
    if (current === null) return false;
    const asAdded = levelsToFlags(unit.defaultLevels);
    if (!current.every((f, l) => f === asAdded[l])) return false;
    const next = levelsToFlags(overridden.defaultLevels);
    if (next.every((f, l) => f === current[l])) return false;
    this.put(unit.name, next);
    return true;
  }
}
