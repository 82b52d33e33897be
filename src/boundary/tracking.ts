import { readFileSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LimitSupport, ResourceLimits, Rlimits } from '../model/index.js';
import { readProcStat, rlimitSpecs, usageOfProcesses } from '../process/index.js';
import { CgroupBoundary, cgroupPids, cgroupPopulated } from './cgroup-boundary.js';
import { applyLimits, limitSupport, v1HierarchiesFor } from './cgroup-limits.js';
import { locateCgroups, type V1Controller } from './cgroup-mounts.js';
import { CgroupTree, instanceName } from './cgroup-tree.js';
import { cgroupOomKills, cgroupUsage, type UnitUsage } from './cgroup-usage.js';
import { ProcessGroupBoundary } from './process-group.js';
import { UnionBoundary } from './union-boundary.js';
import type { ProcessBoundary } from './types.js';

/** How hearthd tells which processes belong to which unit on this host. */
export type TrackingMode = 'cgroup' | 'process-group';

/** One unit's side of process tracking. */
export interface UnitTracking {
  /**
   * argv put in front of a launch so the process is in the unit before the
   * program runs (hearth-cgexec with the unit's cgroup.procs files, which
   * also sets the rlimits given); undefined when there is nothing to join,
   * and the rlimits are then the launcher's to set.
   */
  joinPrefix(leaf?: string, rlimits?: Rlimits): string[] | undefined;
  /**
   * The cgroup.procs files a new process writes "0" to, between fork and
   * exec, to be in the unit before its program runs (for the native helpers
   * that fork servers themselves); undefined when there is nothing to join.
   * Like joinPrefix: the v2 cgroup and, on hybrid hosts, only the v1
   * hierarchies the unit uses (see applyLimits).
   */
  joinFiles(leaf?: string): string[] | undefined;
  /**
   * For a launcher that creates the process inside the unit (hearth-spawner,
   * with clone3's CLONE_INTO_CGROUP): the unit's cgroup v2 directory, and the
   * cgroup.procs files of the v1 hierarchies the process still joins itself
   * (the same as joinFiles'); undefined when there is nothing to join.
   */
  joinTarget(leaf?: string): { cgroup: string; joins: string[] } | undefined;
  /** Environment that marks the unit's processes, for the fallback and for crash recovery. */
  readonly marker: Record<string, string>;
  /** For `hearth status`: the unit's cgroup, or how its processes are found. */
  readonly where: string;
  /**
   * Before a start: the unit's limits as its cgroup's settings. Throws a
   * HearthError when impossible. On hybrid hosts it also decides which v1
   * hierarchies the unit's processes join from then on: memory (status reads
   * it) and those its limits need. Every cgroup joined is a directory made
   * and a migration in the kernel per started process, so a unit without
   * limits joins no more than it is counted in.
   */
  applyLimits(limits: ResourceLimits | undefined): void;
  /** Everything of the unit (or one leaf of it), plus the process groups known to belong to it. */
  boundary(groups: Array<number | null>, leaf?: string): ProcessBoundary;
  /** Whether any process of the unit is left; undefined where that cannot be known (no cgroups). */
  populated(): boolean | undefined;
  /** Whether a pid (from a pidfile or MAINPID=) is a process of this unit. */
  contains(pid: number, groups: Array<number | null>): boolean;
  /** The unit's live processes now (whose port is it: readiness). */
  pids(groups: Array<number | null>): number[];
  usage(groups: Array<number | null>): UnitUsage | undefined;
  /** The kernel's OOM kills in this unit so far (0 where not counted). */
  oomKills(): number;
  /** The unit is gone (or a leaf is done): remove its empty cgroups. */
  release(leaf?: string): void;
}

export interface ProcessTracking {
  readonly mode: TrackingMode;
  /** One line for `hearth status`/doctor: which guarantee holds on this host. */
  readonly description: string;
  readonly limitSupport: LimitSupport;
  unit(kind: string, name: string): UnitTracking;
  /** The unit a process belongs to, by its cgroup (undefined without cgroups, or when it is no unit's). */
  ownerOf(pid: number): { name: string; kind: string } | undefined;
  /** The unit a cgroup v2 path (a "0::" line of /proc/PID/cgroup, read earlier) belongs to. */
  ownerOfCgroup(path: string): { name: string; kind: string } | undefined;
  /** Units of one kind whose cgroup still holds processes (after a crash of hearthd): "NAME.KIND" → pids. Other kinds' cgroups are not read. */
  populatedUnits(kind: string): Map<string, number[]>;
  /** Clean shutdown: remove the empty cgroups. */
  close(): void;
}

export interface TrackingOptions {
  runtimeDir: string;
  /** "auto": cgroups where possible, else process groups; from hearth.toml's process_tracking. */
  mode: 'auto' | TrackingMode;
  /** Path of the hearth-cgexec helper, or null when it was not built. */
  cgexec: string | null;
}

/** Chooses the process tracking for this hearthd: a cgroup subtree where the host allows it. */
export function openTracking(o: TrackingOptions): ProcessTracking {
  const instance = instanceName(o.runtimeDir);
  if (o.mode === 'process-group') return new GroupTracking(instance, 'process groups (hearth.toml: process_tracking = "process-group")');
  if (o.cgexec === null) return new GroupTracking(instance, 'process groups (the hearth-cgexec helper is not built)');
  const locations = locateCgroups();
  const tree = CgroupTree.open(o.runtimeDir, locations);
  if ('why' in tree) return new GroupTracking(instance, `process groups (${tree.why})`);
  return new CgroupTracking(tree, o.cgexec, instance, limitSupport(locations));
}

class CgroupTracking implements ProcessTracking {
  readonly mode = 'cgroup';
  readonly description: string;

  constructor(
    private readonly tree: CgroupTree,
    private readonly cgexec: string,
    private readonly instance: string,
    readonly limitSupport: LimitSupport,
  ) {
    const v1 = Object.keys(tree.v1Roots);
    this.description = `cgroup v2 at ${tree.root}${v1.length ? ` (with cgroup v1 ${v1.join(', ')})` : ''}`;
  }

  unit(kind: string, name: string): UnitTracking {
    return new CgroupUnit(this.tree, this.cgexec, `${name}.${kind}`, { HEARTH_SERVICE: name, HEARTH_INSTANCE: this.instance });
  }

  ownerOf(pid: number): { name: string; kind: string } | undefined {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    } catch {
      return undefined;
    }
    const line = text.split('\n').find((l) => l.startsWith('0::'));
    return line === undefined ? undefined : this.ownerOfCgroup(line.slice(3));
  }

  ownerOfCgroup(path: string): { name: string; kind: string } | undefined {
    const segments = path.split('/');
    const at = segments.indexOf(this.instance);
    const unit = at >= 0 ? segments[at + 1] : undefined;
    const dot = unit?.lastIndexOf('.') ?? -1;
    return unit !== undefined && dot > 0 ? { name: unit.slice(0, dot), kind: unit.slice(dot + 1) } : undefined;
  }

  populatedUnits(kind: string): Map<string, number[]> {
    const found = new Map<string, number[]>();
    const suffix = `.${kind}`;
    for (const unit of this.tree.units()) {
      if (!unit.endsWith(suffix)) continue;
      const dir = this.tree.dir(unit);
      if (cgroupPopulated(dir)) found.set(unit, cgroupPids(dir));
    }
    return found;
  }

  close(): void {
    this.tree.close();
  }
}

/**
 * Without cgroups: a unit is its process groups plus every process whose
 * environment carries its marker. A process that starts a new session is
 * still found by the marker; one that also clears its environment escapes.
 */
class GroupTracking implements ProcessTracking {
  readonly mode = 'process-group';
  readonly limitSupport: LimitSupport;

  constructor(
    private readonly instance: string,
    readonly description: string,
  ) {
    this.limitSupport = limitSupport({ v1: {} }, `${description.replace(/^process groups \((.*)\)$/, '$1')}: limits need cgroups`);
  }

  unit(_kind: string, name: string): UnitTracking {
    return new GroupUnit({ HEARTH_SERVICE: name, HEARTH_INSTANCE: this.instance });
  }

  ownerOf(): undefined {
    return undefined;
  }

  ownerOfCgroup(): undefined {
    return undefined;
  }

  populatedUnits(): Map<string, number[]> {
    return new Map();
  }

  close(): void {}
}

/**
 * A unit's cgroups. One object per unit with its methods on the prototype: a
 * closure per method per unit cost close to a kilobyte per service.
 */
class CgroupUnit implements UnitTracking {
  readonly where: string;
  /** The v1 hierarchies the unit's processes join (see applyLimits). */
  private v1InUse: readonly V1Controller[] = v1HierarchiesFor({});

  constructor(
    private readonly tree: CgroupTree,
    private readonly cgexec: string,
    private readonly unit: string,
    readonly marker: Record<string, string>,
  ) {
    this.where = tree.dir(unit);
  }

  joinPrefix(leaf?: string, rlimits?: Rlimits): string[] {
    return [this.cgexec, ...rlimitFlags(rlimits), ...this.joinFiles(leaf), '--'];
  }

  joinFiles(leaf?: string): string[] {
    return this.tree.ensure(this.unit, leaf, this.v1InUse);
  }

  joinTarget(leaf?: string): { cgroup: string; joins: string[] } {
    const [v2, ...v1] = this.joinFiles(leaf);
    return { cgroup: dirname(v2!), joins: v1 };
  }

  applyLimits(limits: ResourceLimits | undefined): void {
    this.v1InUse = v1HierarchiesFor(limits ?? {});
    this.tree.ensure(this.unit, undefined, this.v1InUse);
    applyLimits(this.tree, this.unit, limits ?? {}, this.v1InUse);
  }

  // The process groups cover the moment between fork and joining the cgroup.
  boundary(groups: Array<number | null>, leaf?: string): ProcessBoundary {
    return new UnionBoundary([new CgroupBoundary(this.tree.dir(this.unit, leaf)), new ProcessGroupBoundary(groups)]);
  }

  populated(): boolean {
    return cgroupPopulated(this.where);
  }

  contains(pid: number): boolean {
    return this.pids().includes(pid);
  }

  pids(): number[] {
    return cgroupPids(this.where);
  }

  // An empty cgroup can still be charged for page cache: no process, no usage to show.
  usage(): UnitUsage | undefined {
    const u = cgroupUsage(this.tree, this.unit, this.v1InUse.includes('memory'));
    return u.tasks > 0 ? u : undefined;
  }

  oomKills(): number {
    return cgroupOomKills(this.tree, this.unit, this.v1InUse.includes('memory'));
  }

  release(leaf?: string): void {
    this.tree.remove(this.unit, leaf);
  }
}

/** A unit without cgroups: its process groups and the processes that carry its marker. */
class GroupUnit implements UnitTracking {
  readonly where: string;

  constructor(readonly marker: Record<string, string>) {
    this.where = `process groups, and processes marked HEARTH_SERVICE=${marker.HEARTH_SERVICE}`;
  }

  joinPrefix(): undefined {
    return undefined;
  }

  joinFiles(): undefined {
    return undefined;
  }

  joinTarget(): undefined {
    return undefined;
  }

  applyLimits(): void {}

  boundary(groups: Array<number | null>): ProcessBoundary {
    return new ProcessGroupBoundary(groups, undefined, undefined, () => this.marked());
  }

  populated(): undefined {
    return undefined;
  }

  contains(pid: number, groups: Array<number | null>): boolean {
    const pgrp = readProcStat(pid)?.pgrp;
    return (pgrp !== undefined && groups.includes(pgrp)) || this.marked().includes(pid);
  }

  pids(groups: Array<number | null>): number[] {
    return [...new Set([...groups.flatMap((g) => (g === null ? [] : groupMembers(g))), ...this.marked()])];
  }

  usage(groups: Array<number | null>): UnitUsage | undefined {
    const pids = new Set(this.marked());
    for (const g of groups) if (g !== null) for (const p of groupMembers(g)) pids.add(p);
    return usageOf([...pids]);
  }

  oomKills(): number {
    return 0;
  }

  release(): void {}

  private marked(): number[] {
    return markedPids(this.marker);
  }
}

/** hearth-cgexec's -r NAME=SOFT:HARD options. */
function rlimitFlags(rlimits: Rlimits | undefined): string[] {
  return rlimitSpecs(rlimits).flatMap((spec) => ['-r', spec]);
}

function procPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((e) => e.charCodeAt(0) >= 48 && e.charCodeAt(0) <= 57)
      .map(Number);
  } catch {
    return [];
  }
}

/** Live processes whose environment holds every marker variable. */
export function markedPids(marker: Record<string, string>): number[] {
  const needles = Object.entries(marker).map(([k, v]) => `\0${k}=${v}\0`);
  const found: number[] = [];
  for (const pid of procPids()) {
    let env: string;
    try {
      env = `\0${readFileSync(`/proc/${pid}/environ`, 'latin1')}`;
    } catch {
      continue;
    }
    if (!needles.every((n) => env.includes(n))) continue;
    const st = readProcStat(pid);
    if (st && st.state !== 'Z' && st.state !== 'X') found.push(pid);
  }
  return found;
}

function groupMembers(pgid: number): number[] {
  return procPids().filter((p) => readProcStat(p)?.pgrp === pgid);
}

function usageOf(pids: number[]): UnitUsage | undefined {
  return pids.length === 0 ? undefined : { ...usageOfProcesses(pids), tasks: pids.length };
}
