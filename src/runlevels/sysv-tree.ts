import * as fs from 'node:fs';
import * as path from 'node:path';
import { HearthError } from '../errors/index.js';
import type { Enablement, EnablementUnit } from './enablement.js';
import { ALL_LEVELS, levelsToFlags, type LevelFlags } from './levels.js';
import { computePriorities, isLsb, type Priorities } from './priorities.js';

/** One rcN.d entry that belongs to a service. */
export interface RcLink {
  level: number;
  kind: 'S' | 'K';
  priority: number;
  /** The entry's file name, e.g. "S55sshd". */
  file: string;
}

/**
 * Enablement kept as a classic SysV tree: `rcRoot/rc0.d … rc6.d` holding
 * `S##name` / `K##name` symlinks to `../init.d/name`, named exactly as
 * chkconfig names them, so chkconfig, update-rc.d and rc itself read the
 * result unchanged. A service with no link in any level is "not referenced"
 * (get() returns null) — the classic meaning — unless autoAdd is set.
 */
export class SysvTreeEnablement implements Enablement {
  constructor(
    readonly rcRoot: string,
    /** Every service in the tree, for computing priorities from LSB dependencies. */
    private readonly peers: () => readonly EnablementUnit[],
    private readonly options: { autoAdd?: boolean } = {},
  ) {}

  private levelDir(level: number): string {
    return path.join(this.rcRoot, `rc${level}.d`);
  }

  /** The S##/K## entries of one service, in every level. */
  links(name: string): RcLink[] {
    const out: RcLink[] = [];
    for (const level of ALL_LEVELS) {
      let entries: string[];
      try {
        entries = fs.readdirSync(this.levelDir(level));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw new HearthError('ERR_CONFIG_IO', `cannot read "${this.levelDir(level)}"`, { cause: e });
      }
      for (const file of entries.sort()) {
        const m = /^([SK])(\d\d)(.+)$/.exec(file);
        if (m && m[3] === name) out.push({ level, kind: m[1] as 'S' | 'K', priority: Number(m[2]), file });
      }
    }
    return out;
  }

  private readFlags(name: string): LevelFlags | null {
    const links = this.links(name);
    if (links.length === 0) return null;
    return ALL_LEVELS.map((l) => links.some((k) => k.level === l && k.kind === 'S'));
  }

  /** rcS.d/S##name when the tree has an rcS.d; else the header, as for a tree without links. */
  bootEnabled(unit: EnablementUnit): boolean {
    const dir = path.join(this.rcRoot, 'rcS.d');
    let entries: string[];
    try {
      entries = fs.readdirSync(dir);
    } catch {
      return unit.sysinit === true && this.get(unit) !== null;
    }
    if (entries.some((e) => /^S\d\d/.test(e) && e.slice(3) === unit.name)) return true;
    return unit.sysinit === true && this.options.autoAdd === true && this.links(unit.name).length === 0 && !entries.some((e) => e.slice(3) === unit.name);
  }

  get(unit: EnablementUnit): LevelFlags | null {
    const flags = this.readFlags(unit.name);
    if (flags === null && this.options.autoAdd) return levelsToFlags(unit.defaultLevels);
    return flags;
  }

  /** The S## number a service starts with in a level, if linked on there. */
  startPriority(name: string, level: number): number | undefined {
    return this.links(name).find((k) => k.level === level && k.kind === 'S')?.priority;
  }

  private priorities(unit: EnablementUnit, desired: LevelFlags | null): Priorities {
    const peers = this.peers().filter((p) => p.name !== unit.name);
    const all = [...peers, unit];
    const table = computePriorities(all, (name) => (name === unit.name ? desired : this.readFlags(name)));
    return table.get(unit.name)!;
  }

  private writeLevel(unit: EnablementUnit, level: number, on: boolean, pri: Priorities): void {
    this.unlinkLevel(unit.name, level);
    const dir = this.levelDir(level);
    fs.mkdirSync(dir, { recursive: true });
    const number = String(on ? pri.start : pri.stop).padStart(2, '0');
    const link = path.join(dir, `${on ? 'S' : 'K'}${number}${unit.name}`);
    try {
      fs.symlinkSync(`../init.d/${unit.name}`, link);
    } catch (e) {
      throw new HearthError('ERR_CONFIG_IO', `failed to make symlink ${link}: ${(e as Error).message}`, { cause: e });
    }
  }

  private unlinkLevel(name: string, level: number): void {
    for (const k of this.links(name)) {
      if (k.level === level) fs.rmSync(path.join(this.levelDir(level), k.file), { force: true });
    }
  }

  /**
   * Writes `writes` (level → on) and, for an LSB service, moves its other
   * links to the freshly computed numbers too, as chkconfig's dependency
   * pass does. `similarity` is the on-levels used to decide which
   * dependencies count (see computePriorities).
   */
  private apply(unit: EnablementUnit, similarity: LevelFlags | null, writes: Map<number, boolean>): void {
    const pri = this.priorities(unit, similarity);
    for (const [level, on] of writes) this.writeLevel(unit, level, on, pri);
    if (!isLsb(unit)) return;
    for (const k of this.links(unit.name)) {
      if (writes.has(k.level)) continue;
      const want = k.kind === 'S' ? pri.start : pri.stop;
      if (k.priority !== want) this.writeLevel(unit, k.level, k.kind === 'S', pri);
    }
  }

  add(unit: EnablementUnit): void {
    const current = this.readFlags(unit.name);
    const defaults = levelsToFlags(unit.defaultLevels);
    const configured = new Set(this.links(unit.name).map((k) => k.level));
    const writes = new Map(ALL_LEVELS.filter((l) => !configured.has(l)).map((l) => [l, defaults[l]!] as const));
    this.apply(unit, current ?? defaults, writes);
  }

  del(unit: EnablementUnit): void {
    for (const level of ALL_LEVELS) this.unlinkLevel(unit.name, level);
  }

  set(unit: EnablementUnit, levels: readonly number[], on: boolean): void {
    const desired = this.readFlags(unit.name) ?? ALL_LEVELS.map(() => false);
    for (const l of levels) desired[l] = on;
    // chkconfig computes "off" with the service counted as on in every level
    // (`currentLevels |= ~(1 << i)`); we do the same so the numbers match its output.
    const similarity = on ? desired : ALL_LEVELS.map(() => true);
    this.apply(unit, similarity, new Map(levels.map((l) => [l, on] as const)));
  }

  reset(unit: EnablementUnit, levels: readonly number[]): void {
    const defaults = levelsToFlags(unit.defaultLevels);
    this.apply(unit, defaults, new Map(levels.map((l) => [l, defaults[l]!] as const)));
  }

  resetPriorities(unit: EnablementUnit, levels: readonly number[]): void {
    const current = this.readFlags(unit.name) ?? ALL_LEVELS.map(() => false);
    this.apply(unit, current, new Map(levels.map((l) => [l, current[l]!] as const)));
  }

  override(unit: EnablementUnit, overridden: EnablementUnit): boolean {
    const links = this.links(unit.name);
    if (links.length === 0) return false;
    const defaults = levelsToFlags(unit.defaultLevels);
    const pri = this.priorities(unit, this.readFlags(unit.name));
    // Only a service still configured exactly as added takes the override.
    const untouched = links.every((k) =>
      k.kind === 'S' ? k.priority === pri.start && defaults[k.level] : k.priority === pri.stop && !defaults[k.level],
    );
    if (!untouched) return false;
    const next = levelsToFlags(overridden.defaultLevels);
    const opri = this.priorities(overridden, next);
    let changed = false;
    for (const level of ALL_LEVELS) {
      const on = next[level]!;
      const had = links.find((k) => k.level === level);
      if (!had || (had.kind === 'S') !== on || had.priority !== (on ? opri.start : opri.stop)) {
        this.writeLevel(overridden, level, on, opri);
        changed = true;
      }
    }
    return changed;
  }
}

/** Every rcN.d entry under a root as "rcN.d/ENTRY -> TARGET" lines, sorted — for comparing trees. */
export function describeRcTree(rcRoot: string): string[] {
  const lines: string[] = [];
  for (const level of ALL_LEVELS) {
    const dir = path.join(rcRoot, `rc${level}.d`);
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const e of entries) {
      let target = '';
      try {
        target = fs.readlinkSync(path.join(dir, e));
      } catch {
        target = '(not a link)';
      }
      lines.push(`rc${level}.d/${e} -> ${target}`);
    }
  }
  return lines;
}
