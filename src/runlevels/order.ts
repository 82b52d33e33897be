/**
 * Boot order as a dependency graph. Explicit relations (requires, wants,
 * after, before, provides, LSB facilities) decide; the S## start priority of
 * old scripts is only the fallback, used for services that say nothing else,
 * so those still start in classic rc order while everyone else runs in
 * parallel. A cycle is cut out and reported; the rest of the graph is planned.
 */
import { isFacility } from '../model/index.js';

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
}

export interface PlanOptions {
  /** Units already up: they satisfy dependencies and are not planned again. */
  running?: Iterable<string>;
  /** Facility → unit names that provide it, in addition to units' own `provides` (like insserv.conf). */
  facilities?: Record<string, readonly string[]>;
  /** Pull in hard requirements that are outside the requested set (default true). */
  pullRequires?: boolean;
}

const FALLBACK_PRIORITY = 50;

class Resolver {
  private readonly byName = new Map<string, OrderUnit>();
  private readonly providers = new Map<string, string[]>();

  constructor(units: readonly OrderUnit[], facilities: Record<string, readonly string[]> = {}) {
    for (const u of units) this.byName.set(u.name, u);
    const addProvider = (what: string, who: string) => {
      const list = this.providers.get(what) ?? [];
      if (!list.includes(who)) list.push(who);
      this.providers.set(what, list);
    };
    for (const u of units) for (const p of u.provides ?? []) if (p !== u.name) addProvider(p, u.name);
    for (const [facility, names] of Object.entries(facilities)) for (const n of names) addProvider(facility, n);
  }

  unit(name: string): OrderUnit | undefined {
    return this.byName.get(name);
  }

  /** Unit names a dependency word stands for; empty when nothing provides it. */
  resolve(word: string): string[] {
    const own = this.byName.has(word) ? [word] : [];
    return [...own, ...(this.providers.get(word) ?? [])].filter((n) => this.byName.has(n));
  }
}

function hasExplicitOrder(u: OrderUnit): boolean {
  return Boolean(u.requires?.length || u.wants?.length || u.after?.length || u.before?.length);
}

/** Edges "from must finish before to", keyed by `to`. */
type Graph = Map<string, Map<string, boolean>>;

function addEdge(g: Graph, from: string, to: string, hard: boolean): void {
  if (from === to) return;
  const m = g.get(to)!;
  m.set(from, (m.get(from) ?? false) || hard);
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
      const targets = r.resolve(dep);
      if (targets.length === 0) {
        if (!isFacility(dep)) missing.push({ unit: u.name, dependency: dep });
        continue;
      }
      if (opts.pullRequires === false) continue;
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
        if (w === '$all') continue;
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

function chainByPriority(graph: Graph, units: OrderUnit[], key: (u: OrderUnit) => number): void {
  const groups = new Map<number, string[]>();
  for (const u of units) groups.set(key(u), [...(groups.get(key(u)) ?? []), u.name]);
  const keys = [...groups.keys()].sort((a, b) => a - b);
  for (let i = 1; i < keys.length; i++) {
    for (const from of groups.get(keys[i - 1]!)!) for (const to of groups.get(keys[i]!)!) addEdge(graph, from, to, false);
  }
}

/** Strongly connected components with more than one member (or a self-edge): the cycles. */
function findCycles(nodes: string[], graph: Graph): string[][] {
  // Successor lists: from → to.
  const succ = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const [to, froms] of graph) for (const from of froms.keys()) succ.get(from)?.push(to);
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  // Iterative Tarjan, so deep chains cannot overflow the call stack.
  for (const root of [...nodes].sort()) {
    if (idx.has(root)) continue;
    const work: { node: string; i: number }[] = [{ node: root, i: 0 }];
    idx.set(root, index);
    low.set(root, index++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1]!;
      const next = succ.get(frame.node)!;
      if (frame.i < next.length) {
        const w = next[frame.i++]!;
        if (!idx.has(w)) {
          idx.set(w, index);
          low.set(w, index++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, idx.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === idx.get(frame.node)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== frame.node);
        if (comp.length > 1) out.push(comp.sort());
      }
    }
  }
  return out;
}

/** Kahn's algorithm in waves; ties broken by priority, then name, so plans are deterministic. */
function layer(nodes: string[], graph: Graph, sortKey: (n: string) => number): { waves: string[][]; order: string[] } {
  const remaining = new Map(nodes.map((n) => [n, graph.get(n)!.size]));
  const succ = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const [to, froms] of graph) for (const from of froms.keys()) succ.get(from)?.push(to);
  const cmp = (a: string, b: string) => sortKey(a) - sortKey(b) || (a < b ? -1 : a > b ? 1 : 0);
  let current = nodes.filter((n) => remaining.get(n) === 0).sort(cmp);
  const waves: string[][] = [];
  while (current.length) {
    waves.push(current);
    const next: string[] = [];
    for (const n of current) {
      for (const s of succ.get(n)!) {
        const left = remaining.get(s)! - 1;
        remaining.set(s, left);
        if (left === 0) next.push(s);
      }
    }
    current = next.sort(cmp);
  }
  return { waves, order: waves.flat() };
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
  return { ...plan, missing, pulledIn };
}

/**
 * Plans stopping `toStop`: the start order reversed (a unit stops before
 * what it depends on). Units with only priorities stop by their K## number.
 * Only units in `toStop` are planned; those that keep running impose no order.
 */
export function planStop(units: readonly OrderUnit[], toStop: Iterable<string>, opts: PlanOptions = {}): Plan {
  const set = new Set([...toStop].filter((n) => units.some((u) => u.name === n)));
  const byName = new Map(units.map((u) => [u.name, u]));
  // Build the start graph over the same set (no pulling in, nothing running), then reverse it.
  const stripped = units.map((u) => ({ ...u, startPriority: undefined }));
  const { graph } = buildStartGraph(stripped, set, { ...opts, running: [], pullRequires: false });
  const nodes = [...set];
  const reversed: Graph = new Map(nodes.map((n) => [n, new Map<string, boolean>()]));
  for (const [to, froms] of graph) for (const from of froms.keys()) addEdge(reversed, to, from, false);
  const stopKey = (u: OrderUnit) => u.stopPriority ?? (u.startPriority !== undefined ? 100 - u.startPriority : FALLBACK_PRIORITY);
  const legacy = nodes
    .map((n) => byName.get(n)!)
    .filter((u) => (u.stopPriority !== undefined || u.startPriority !== undefined) && !hasExplicitOrder(u));
  chainByPriority(reversed, legacy, stopKey);
  const plan = finish('stop', nodes, reversed, (n) => stopKey(byName.get(n)!));
  return { ...plan, missing: [], pulledIn: [] };
}
