/**
 * The graph under a boot plan: edges "from must finish before to", the cycle
 * finder that cuts cycles out, and the layering into waves of units that can
 * run together.
 */
import type { OrderUnit } from './order.js';

/** Edges "from must finish before to", keyed by `to`. */
export type Graph = Map<string, Map<string, boolean>>;

export function addEdge(g: Graph, from: string, to: string, hard: boolean): void {
  if (from === to) return;
  const m = g.get(to)!;
  m.set(from, (m.get(from) ?? false) || hard);
}

export function chainByPriority(graph: Graph, units: OrderUnit[], key: (u: OrderUnit) => number): void {
  const groups = new Map<number, string[]>();
  for (const u of units) groups.set(key(u), [...(groups.get(key(u)) ?? []), u.name]);
  const keys = [...groups.keys()].sort((a, b) => a - b);
  for (let i = 1; i < keys.length; i++) {
    for (const from of groups.get(keys[i - 1]!)!) for (const to of groups.get(keys[i]!)!) addEdge(graph, from, to, false);
  }
}

/** Strongly connected components with more than one member (or a self-edge): the cycles. */
export function findCycles(nodes: string[], graph: Graph): string[][] {
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
export function layer(nodes: string[], graph: Graph, sortKey: (n: string) => number): { waves: string[][]; order: string[] } {
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

