/**
 * Boot order as a dependency graph. Explicit relations (requires, wants,
 * after, before, provides, LSB facilities) decide; the S## start priority of
 * old scripts is only the fallback, used for services that say nothing else,
 * so those still start in classic rc order while everyone else runs in
 * parallel. A cycle is cut out and reported; the rest of the graph is planned.
 */
import { isFacility } from '../model/index.js';
import { addEdge, chainByPriority, findCycles, layer, type Graph } from './order-graph.js';
import { Resolver } from './order-resolve.js';

export interface OrderUnit {
  name: string;
  /** Must be ready first; pulled into the plan if not already in it. */
  requires?: readonly string[];
  /** Ordered after, if it is part of the plan (LSB Should-Start). */
  wants?: readonly string[];
  /** Ordered after, if it is part of the plan. */
  after?: readonly string[];
  /** Ordered before, if it is part of the plan (X-Start-Before). */
  before?: readonly string[];
  /** Other names (and `$facility` names) this unit answers to. */
  provides?: readonly string[];
  /** S## of a chkconfig header: the fallback order. */
  startPriority?: number;
  /** K## of a chkconfig header: the fallback stop order. */
  stopPriority?: number;
  /**
   * Stop relations of its own (LSB Required-Stop, Should-Stop, X-Stop-After),
   * as insserv orders K links. Without it the stop order is the start order reversed.
   */
  stop?: {
    /** Stopped before these (they stay up until this one is down). */
    requires?: readonly string[];
    wants?: readonly string[];
    /** Stopped after these (X-Stop-After). */
    after?: readonly string[];
  };
  /** Starts alone, with nothing else running beside it (X-Interactive, insserv's <interactive>). */
  interactive?: boolean;
}

export interface PlanDep {
  name: string;
  /** A hard dependency: if it fails, the dependent is skipped. */
  hard: boolean;
}

export interface Plan {
  kind: 'start' | 'stop';
  /** A valid sequential order of every planned unit. */
  order: string[];
  /** Groups that can run concurrently; every unit's deps lie in earlier waves. */
  waves: string[][];
  /** For each planned unit, what must finish first (only planned units). */
  deps: Record<string, PlanDep[]>;
  /** Each cycle's members; they are left out of the plan. */
  cycles: string[][];
  /** Hard dependencies nothing provides. Facilities with no provider are assumed met, not listed. */
  missing: { unit: string; dependency: string }[];
  /** Units not in the requested set, added because something planned requires them. */
  pulledIn: string[];
  /** Planned units that must run alone (interactive scripts). */
  exclusive: string[];
}

export interface PlanOptions {
  /** Units already up: they satisfy dependencies and are not planned again. */
  running?: Iterable<string>;
  /**
   * insserv.conf: facility → the names that provide it ("+name" optional), in
   * addition to units' own `provides`. Nested facilities already expanded.
   */
  facilities?: Record<string, readonly string[]>;
  /** Pull in hard requirements that are outside the requested set (default true). */
  pullRequires?: boolean;
}

const FALLBACK_PRIORITY = 50;

function hasExplicitOrder(u: OrderUnit): boolean {
  return Boolean(u.requires?.length || u.wants?.length || u.after?.length || u.before?.length);
}

function hasExplicitStopOrder(u: OrderUnit): boolean {
  if (!u.stop) return hasExplicitOrder(u);
  return Boolean(u.stop.requires?.length || u.stop.wants?.length || u.stop.after?.length);
}

/** `$all` is placed by the planner itself; `$null` is LSB's explicit "nothing". */
function isSpecialWord(w: string): boolean {
  return w === '$all' || w.toLowerCase() === '$null';
}

interface StartGraph {
  nodes: string[];
  graph: Graph;
  missing: { unit: string; dependency: string }[];
  pulledIn: string[];
}

function buildStartGraph(units: readonly OrderUnit[], wanted: Iterable<string>, opts: PlanOptions): StartGraph {
  const r = new Resolver(units, opts.facilities);
  const running = new Set(opts.running ?? []);
  const nodes = new Set<string>();
  const missing: { unit: string; dependency: string }[] = [];
  const pulledIn: string[] = [];
  const queue: string[] = [];
  for (const n of wanted) {
    if (!r.unit(n) || running.has(n) || nodes.has(n)) continue;
    nodes.add(n);
    queue.push(n);
  }
  // Pull in hard requirements transitively.
  while (queue.length) {
    const u = r.unit(queue.shift()!)!;
    for (const dep of u.requires ?? []) {
      if (isSpecialWord(dep)) continue;
      const targets = r.resolve(dep);
      if (targets.length === 0) {
        if (!isFacility(dep)) missing.push({ unit: u.name, dependency: dep });
        continue;
      }
      // insserv.conf only orders what is enabled: its members are never pulled in.
      if (opts.pullRequires === false || r.isConfFacility(dep)) continue;
      // One provider is enough; prefer one already running or planned.
      if (targets.some((t) => running.has(t) || nodes.has(t))) continue;
      const pick = targets[0]!;
      nodes.add(pick);
      pulledIn.push(pick);
      queue.push(pick);
    }
  }

  const graph: Graph = new Map([...nodes].map((n) => [n, new Map<string, boolean>()]));
  const inPlan = (n: string) => nodes.has(n);
  for (const name of nodes) {
    const u = r.unit(name)!;
    const depend = (words: readonly string[] | undefined, hard: boolean) => {
      for (const w of words ?? []) {
        if (isSpecialWord(w)) continue;
        for (const t of r.resolve(w)) if (inPlan(t)) addEdge(graph, t, name, hard);
      }
    };
    depend(u.requires, true);
    depend(u.wants, false);
    depend(u.after, false);
    for (const w of u.before ?? []) {
      for (const t of r.resolve(w)) if (inPlan(t)) addEdge(graph, name, t, false);
    }
  }
  // `$all`: after every planned unit that does not itself ask for `$all`.
  const wantsAll = (u: OrderUnit) => [...(u.requires ?? []), ...(u.wants ?? []), ...(u.after ?? [])].includes('$all');
  const allUnits = [...nodes].filter((n) => wantsAll(r.unit(n)!));
  for (const name of allUnits) {
    for (const other of nodes) if (!allUnits.includes(other)) addEdge(graph, other, name, false);
  }
  // Fallback: units with only a priority run in priority groups, one group after another.
  const legacy = [...nodes]
    .map((n) => r.unit(n)!)
    .filter((u) => u.startPriority !== undefined && !hasExplicitOrder(u) && !allUnits.includes(u.name));
  chainByPriority(graph, legacy, (u) => u.startPriority!);

  return { nodes: [...nodes], graph, missing, pulledIn };
}

function finish(kind: 'start' | 'stop', nodes: string[], graph: Graph, sortKey: (n: string) => number) {
  const cycles = findCycles(nodes, graph);
  const cut = new Set(cycles.flat());
  const kept = nodes.filter((n) => !cut.has(n));
  const g: Graph = new Map();
  for (const n of kept) {
    g.set(n, new Map([...graph.get(n)!].filter(([from]) => !cut.has(from))));
  }
  const { waves, order } = layer(kept, g, sortKey);
  const deps: Record<string, PlanDep[]> = {};
  for (const n of kept) {
    deps[n] = [...g.get(n)!].map(([name, hard]) => ({ name, hard })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }
  return { kind, order, waves, deps, cycles };
}

/**
 * Plans starting `wanted` (names; unknown names are ignored) given every
 * known unit. Hard requirements outside the set are pulled in.
 */
export function planStart(units: readonly OrderUnit[], wanted: Iterable<string>, opts: PlanOptions = {}): Plan {
  const { nodes, graph, missing, pulledIn } = buildStartGraph(units, wanted, opts);
  const byName = new Map(units.map((u) => [u.name, u]));
  const plan = finish('start', nodes, graph, (n) => byName.get(n)?.startPriority ?? FALLBACK_PRIORITY);
  const exclusive = plan.order.filter((n) => byName.get(n)?.interactive === true);
  return { ...plan, missing, pulledIn, exclusive };
}

/**
 * Plans stopping `toStop`. A unit with stop relations of its own (an LSB
 * script's Required-Stop, Should-Stop, X-Stop-After) is ordered by those, as
 * insserv numbers K links: it goes down before what it needs at stop. Any
 * other unit stops before what it depends on (the start order reversed).
 * Units with only priorities stop by their K## number. Only units in
 * `toStop` are planned; those that keep running impose no order.
 */
export function planStop(units: readonly OrderUnit[], toStop: Iterable<string>, opts: PlanOptions = {}): Plan {
  const byName = new Map(units.map((u) => [u.name, u]));
  const nodes = [...new Set([...toStop].filter((n) => byName.has(n)))];
  const set = new Set(nodes);
  const r = new Resolver(units, opts.facilities);
  const graph: Graph = new Map(nodes.map((n) => [n, new Map<string, boolean>()]));
  const targets = (w: string) => (isSpecialWord(w) ? [] : r.resolve(w).filter((t) => set.has(t)));
  const first: string[] = [];
  for (const name of nodes) {
    const u = byName.get(name)!;
    const before = u.stop ? [...(u.stop.requires ?? []), ...(u.stop.wants ?? [])] : [...(u.requires ?? []), ...(u.wants ?? []), ...(u.after ?? [])];
    const after = u.stop ? (u.stop.after ?? []) : (u.before ?? []);
    for (const w of before) for (const t of targets(w)) addEdge(graph, name, t, false);
    for (const w of after) for (const t of targets(w)) addEdge(graph, t, name, false);
    // `$all` at stop (insserv) or at start (reversed): down before everything else.
    if (before.includes('$all')) first.push(name);
  }
  for (const name of first) for (const other of nodes) if (!first.includes(other)) addEdge(graph, name, other, false);
  const stopKey = (u: OrderUnit) => u.stopPriority ?? (u.startPriority !== undefined ? 100 - u.startPriority : FALLBACK_PRIORITY);
  const legacy = nodes
    .map((n) => byName.get(n)!)
    .filter((u) => (u.stopPriority !== undefined || u.startPriority !== undefined) && !hasExplicitStopOrder(u) && !first.includes(u.name));
  chainByPriority(graph, legacy, stopKey);
  const plan = finish('stop', nodes, graph, (n) => stopKey(byName.get(n)!));
  return { ...plan, missing: [], pulledIn: [], exclusive: [] };
}
