import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateCgroups, type CgroupLocations, type V1Controller } from './cgroup-mounts.js';

/** The cgroup v2 controllers hearth can use for limits and accounting. */
const V2_WANTED = ['memory', 'pids', 'cpu', 'io'] as const;

/**
 * The directory name of one hearthd's subtree. Stable across restarts (a
 * recovering hearthd finds its units' cgroups again) and distinct for every
 * runtime dir, so several hearthds on one host never share units.
 */
export function instanceName(runtimeDir: string): string {
  if (runtimeDir === '/run/hearth') return 'hearth';
  return `hearth-${createHash('sha256').update(runtimeDir).digest('hex').slice(0, 10)}`;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * One hearthd's part of the cgroup hierarchies: a v2 subtree for tracking
 * (every unit a cgroup: membership, cgroup.kill, cgroup.events), with the v2
 * controllers it can enable, and on hybrid hosts the same subtree in the v1
 * hierarchies for the controllers v2 lacks.
 */
export class CgroupTree {
  /** v2 controllers enabled for units. */
  readonly v2Controllers: ReadonlySet<string>;
  /** v1 hierarchies used for controllers v2 does not offer (their subtree roots). */
  readonly v1Roots: Partial<Record<V1Controller, string>>;

  private constructor(
    readonly root: string,
    v2Controllers: Set<string>,
    v1Roots: Partial<Record<V1Controller, string>>,
  ) {
    this.v2Controllers = v2Controllers;
    this.v1Roots = v1Roots;
  }

  /**
   * Creates (or finds again) this hearthd's subtree. Returns the reason when
   * the host gives hearthd no cgroup v2 hierarchy it may write.
   */
  static open(runtimeDir: string, locations: CgroupLocations = locateCgroups()): CgroupTree | { why: string } {
    const base = locations.v2;
    if (base === undefined) return { why: 'no cgroup v2 hierarchy is mounted' };
    if (!writable(base)) return { why: `the cgroup "${base}" is not writable by hearthd` };
    const root = join(base, instanceName(runtimeDir));
    try {
      mkdirSync(root, { recursive: true });
    } catch (e) {
      return { why: `cannot create "${root}": ${(e as Error).message}` };
    }
    if (!existsSync(join(root, 'cgroup.procs'))) return { why: `"${base}" is not a cgroup directory` };
    const v2Controllers = enableV2Controllers(base, root);
    const v1Roots: Partial<Record<V1Controller, string>> = {};
    for (const [controller, dir] of Object.entries(locations.v1) as Array<[V1Controller, string]>) {
      const v2Name = controller === 'blkio' ? 'io' : controller;
      if (v2Controllers.has(v2Name) || !writable(dir)) continue;
      const sub = join(dir, instanceName(runtimeDir));
      try {
        mkdirSync(sub, { recursive: true });
        if (controller === 'memory') writeFileSync(join(sub, 'memory.use_hierarchy'), '1');
      } catch {
        // use_hierarchy is fixed once children exist; a v1 hierarchy that refuses us is simply not used
      }
      if (existsSync(join(sub, 'cgroup.procs'))) v1Roots[controller] = sub;
    }
    return new CgroupTree(root, v2Controllers, v1Roots);
  }

  /**
   * The v2 directory of a unit (or of one leaf inside it: a pool generation, a timer run).
   * Joined by hand: the root is already normal and unit names hold no "/", and path.join
   * rebuilds each string (`hearth list` asks for every unit's: 1.5 KiB of garbage per unit).
   */
  dir(unit: string, leaf?: string): string {
    return leaf ? `${this.root}/${unit}/${leaf}` : `${this.root}/${unit}`;
  }

  /**
   * Creates a unit's cgroups; returns the cgroup.procs files a new process
   * must join: the v2 one, then those of the v1 hierarchies in use (or only
   * of the ones named in `v1`).
   */
  ensure(unit: string, leaf?: string, v1?: readonly V1Controller[]): string[] {
    const dir = this.dir(unit, leaf);
    mkdirSync(dir, { recursive: true });
    const files = [join(dir, 'cgroup.procs')];
    const roots = Object.entries(this.v1Roots).filter(([c]) => v1 === undefined || v1.includes(c as V1Controller));
    for (const [, v1root] of roots) {
      const v1dir = join(v1root, unit);
      mkdirSync(v1dir, { recursive: true });
      files.push(join(v1dir, 'cgroup.procs'));
    }
    return files;
  }

  /** The v1 directory of a unit in one hierarchy, if that hierarchy is used. */
  v1Dir(controller: V1Controller, unit: string): string | undefined {
    const r = this.v1Roots[controller];
    return r === undefined ? undefined : `${r}/${unit}`;
  }

  /** Units with a cgroup (for adoption after a crash): names of the subtree's directories. */
  units(): string[] {
    try {
      return readdirSync(this.root, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      return [];
    }
  }

  /** Removes a unit's (or leaf's) empty cgroups; a populated cgroup cannot be removed and stays. */
  remove(unit: string, leaf?: string): void {
    removeTree(this.dir(unit, leaf));
    if (leaf) return;
    for (const v1root of Object.values(this.v1Roots)) removeTree(join(v1root, unit));
  }

  /** Removes the whole subtree as far as it is empty (clean shutdown). */
  close(): void {
    for (const unit of this.units()) this.remove(unit);
    removeTree(this.root);
    for (const v1root of Object.values(this.v1Roots)) removeTree(v1root);
  }
}

/** rmdir children first: a cgroup with child cgroups cannot be removed. */
function removeTree(dir: string): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return;
  }
  for (const e of entries) removeTree(join(dir, e));
  try {
    rmdirSync(dir);
  } catch {
    // still populated, or gone
  }
}

/**
 * Enables the wanted controllers for the units below root. A non-root cgroup
 * may only hand controllers to its children while it holds no processes
 * itself (cgroup v2's "no internal processes" rule), so when hearthd sits in
 * its base cgroup it first moves into a leaf of its own, as systemd does for
 * delegated units.
 */
function enableV2Controllers(base: string, root: string): Set<string> {
  const available = new Set((readText(join(base, 'cgroup.controllers')) ?? '').trim().split(/\s+/).filter(Boolean));
  const wanted = V2_WANTED.filter((c) => available.has(c));
  if (wanted.length === 0) return new Set();
  const enable = (dir: string) => writeFileSync(join(dir, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
  try {
    enable(base);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EBUSY') return new Set();
    try {
      const own = join(base, 'hearthd.scope');
      mkdirSync(own, { recursive: true });
      writeFileSync(join(own, 'cgroup.procs'), String(process.pid));
      enable(base);
    } catch {
      return new Set();
    }
  }
  try {
    enable(root);
  } catch {
    return new Set();
  }
  return new Set((readText(join(root, 'cgroup.subtree_control')) ?? '').trim().split(/\s+/).filter(Boolean));
}
