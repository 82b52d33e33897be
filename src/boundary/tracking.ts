import { readFileSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LimitSupport, ResourceLimits, Rlimits } from '../model/index.js';
import { readProcStat, rlimitSpecs } from '../process/index.js';
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
  /** Units whose cgroup still holds processes (after a crash of hearthd): "NAME.KIND" → pids. */
  populatedUnits(): Map<string, number[]>;
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
    const unit = `${name}.${kind}`;
    const tree = this.tree;
    let v1InUse: readonly V1Controller[] = v1HierarchiesFor({});
    return {
      marker: { HEARTH_SERVICE: name, HEARTH_INSTANCE: this.instance },
      where: tree.dir(unit),
      joinPrefix: (leaf, rlimits) => [this.cgexec, ...rlimitFlags(rlimits), ...tree.ensure(unit, leaf, v1InUse), '--'],
      joinFiles: (leaf) => tree.ensure(unit, leaf, v1InUse),
      joinTarget: (leaf) => {
        const [v2, ...v1] = tree.ensure(unit, leaf, v1InUse);
        return { cgroup: dirname(v2!), joins: v1 };
      },
      applyLimits: (limits) => {
        v1InUse = v1HierarchiesFor(limits ?? {});
        tree.ensure(unit, undefined, v1InUse);
        applyLimits(tree, unit, limits ?? {}, v1InUse);
      },
      // The process groups cover the moment between fork and joining the cgroup.
      boundary: (groups, leaf) => new UnionBoundary([new CgroupBoundary(tree.dir(unit, leaf)), new ProcessGroupBoundary(groups)]),
      populated: () => cgroupPopulated(tree.dir(unit)),
      contains: (pid) => cgroupPids(tree.dir(unit)).includes(pid),
      pids: () => cgroupPids(tree.dir(unit)),
      // An empty cgroup can still be charged for page cache: no process, no usage to show.
      usage: () => {
        const u = cgroupUsage(tree, unit, v1InUse.includes('memory'));
        return u.tasks > 0 ? u : undefined;
      },
      oomKills: () => cgroupOomKills(tree, unit, v1InUse.includes('memory')),
      release: (leaf) => tree.remove(unit, leaf),
    };
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

  populatedUnits(): Map<string, number[]> {
    const found = new Map<string, number[]>();
    for (const unit of this.tree.units()) {
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
    const marker = { HEARTH_SERVICE: name, HEARTH_INSTANCE: this.instance };
    const marked = () => markedPids(marker);
    return {
      marker,
      where: `process groups, and processes marked HEARTH_SERVICE=${name}`,
      joinPrefix: () => undefined,
      joinFiles: () => undefined,
      joinTarget: () => undefined,
      applyLimits: () => undefined,
      boundary: (groups) => new ProcessGroupBoundary(groups, undefined, undefined, marked),
      populated: () => undefined,
      contains: (pid, groups) => {
        const pgrp = readProcStat(pid)?.pgrp;
        return (pgrp !== undefined && groups.includes(pgrp)) || marked().includes(pid);
      },
      pids: (groups) => [...new Set([...groups.flatMap((g) => (g === null ? [] : groupMembers(g))), ...marked()])],
      usage: (groups) => {
        const pids = new Set(marked());
        for (const g of groups) if (g !== null) for (const p of groupMembers(g)) pids.add(p);
        return usageOf([...pids]);
      },
      oomKills: () => 0,
      release: () => undefined,
    };
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
  if (pids.length === 0) return undefined;
  let rss = 0;
  let ticks = 0;
  for (const pid of pids) {
    const st = readProcStat(pid);
    if (!st) continue;
    rss += st.rssPages * 4096;
    ticks += st.utimeTicks + st.stimeTicks;
  }
  return { memoryBytes: rss, cpuSeconds: ticks / 100, tasks: pids.length };
}
