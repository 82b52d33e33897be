/**
 * Where the boot timeline and the dependency graph put things, in pixels.
 * Pure, so it is tested without a browser: the drawing sizes itself to its
 * content (a row per unit, labels as wide as the longest name) instead of
 * being stretched to the page, so text stays 12 px for 2 units and for 200.
 */

export interface UnitTiming {
  name: string;
  outcome: string;
  startedAt?: number;
  finishedAt?: number;
  after: string[];
  error?: string;
}

export interface PhaseReport {
  startedAt: number;
  finishedAt: number;
  units: UnitTiming[];
}

export const FONT_PX = 12;
/** A conservative average glyph width of the UI font at FONT_PX. */
const CHAR_PX = 7;
export const ROW_PX = 20;
const BAR_PX = 12;
const AXIS_PX = 24;
/** Room right of the chart for the last bar's duration. */
const TIME_ROOM_PX = 64;

export interface Bar {
  name: string;
  phase: 'stop' | 'start';
  outcome: string;
  x: number;
  y: number;
  width: number;
  height: number;
  durationMs: number;
  /** Where the label goes: left of the chart, at the row's baseline. */
  labelY: number;
  title: string;
}

export interface Tick {
  x: number;
  ms: number;
}

export interface TimelineLayout {
  width: number;
  height: number;
  labelWidth: number;
  bars: Bar[];
  ticks: Tick[];
  totalMs: number;
}

const STEPS = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000];

/** One row per unit that ran, stop phase first, on one time axis fitted to `availableWidth`. */
export function layoutTimeline(phases: { stop: PhaseReport; start: PhaseReport }, availableWidth: number, describe: (ms: number) => string): TimelineLayout {
  const rows: Array<{ u: UnitTiming; phase: 'stop' | 'start' }> = [];
  for (const phase of ['stop', 'start'] as const) {
    const units = phases[phase].units.filter((u) => u.startedAt !== undefined);
    units.sort((a, b) => a.startedAt! - b.startedAt! || (a.name < b.name ? -1 : 1));
    for (const u of units) rows.push({ u, phase });
  }
  const reports = [phases.stop, phases.start].filter((r) => r.units.length > 0);
  const t0 = Math.min(...reports.map((r) => r.startedAt), ...rows.map((r) => r.u.startedAt!));
  const t1 = Math.max(...reports.map((r) => r.finishedAt), ...rows.map((r) => r.u.finishedAt ?? r.u.startedAt!));
  const totalMs = rows.length ? Math.max(1, t1 - t0) : 0;
  const longest = Math.max(4, ...rows.map((r) => r.u.name.length));
  const labelWidth = Math.min(260, Math.max(80, longest * CHAR_PX + 16));
  const chartWidth = Math.max(200, Math.floor(availableWidth) - labelWidth - TIME_ROOM_PX);
  const scale = totalMs > 0 ? chartWidth / totalMs : 0;
  const bars = rows.map(({ u, phase }, i) => {
    const begin = u.startedAt! - t0;
    const end = (u.finishedAt ?? u.startedAt!) - t0;
    const y = AXIS_PX + i * ROW_PX;
    const durationMs = end - begin;
    return {
      name: u.name,
      phase,
      outcome: u.outcome,
      x: labelWidth + begin * scale,
      y: y + (ROW_PX - BAR_PX) / 2,
      width: Math.max(2, durationMs * scale),
      height: BAR_PX,
      durationMs,
      labelY: y + ROW_PX / 2 + FONT_PX / 3,
      title: `${u.name}: ${phase === 'stop' ? 'stopped' : u.outcome} after ${describe(durationMs)}${u.after.length ? `, waited for ${u.after.join(', ')}` : ''}${u.error ? ` (${u.error})` : ''}`,
    };
  });
  const step = STEPS.find((s) => s * scale >= 70) ?? STEPS[STEPS.length - 1]!;
  const ticks: Tick[] = [];
  if (totalMs > 0) for (let ms = 0; ms <= totalMs; ms += step) ticks.push({ x: labelWidth + ms * scale, ms });
  return { width: labelWidth + chartWidth + TIME_ROOM_PX, height: AXIS_PX + rows.length * ROW_PX + 8, labelWidth, bars, ticks, totalMs };
}

export interface GraphNode {
  name: string;
  outcome: string;
  x: number;
  y: number;
}

export interface GraphLayout {
  width: number;
  height: number;
  nodeWidth: number;
  nodeHeight: number;
  nodes: GraphNode[];
  edges: Array<{ from: GraphNode; to: GraphNode }>;
  /** Names cut to fit a node. */
  label(name: string): string;
}

const NODE_H = 20;
const ROW_GAP = 8;
const COL_GAP = 36;
/** A column taller than this many nodes continues in a column beside it. */
export const MAX_COLUMN = 25;

/** Units in columns by how deep their chain of "after" goes, an edge from each dependency to its dependent. */
export function layoutGraph(units: UnitTiming[]): GraphLayout {
  const names = new Set(units.map((u) => u.name));
  const byName = new Map(units.map((u) => [u.name, u]));
  const depth = new Map<string, number>();
  const depthOf = (name: string, seen: Set<string>): number => {
    if (depth.has(name)) return depth.get(name)!;
    if (seen.has(name)) return 0; // a cycle: analyze reports it; draw it flat
    seen.add(name);
    const deps = (byName.get(name)?.after ?? []).filter((d) => names.has(d));
    const d = deps.length ? 1 + Math.max(...deps.map((x) => depthOf(x, seen))) : 0;
    depth.set(name, d);
    return d;
  };
  for (const u of units) depthOf(u.name, new Set());
  const levels: string[][] = [];
  for (const u of units) (levels[depth.get(u.name)!] ??= []).push(u.name);
  const longest = Math.max(4, ...units.map((u) => u.name.length));
  const nodeWidth = Math.min(180, Math.max(60, longest * CHAR_PX + 12));
  const maxChars = Math.floor((nodeWidth - 12) / CHAR_PX);
  const nodes = new Map<string, GraphNode>();
  let column = 0;
  let tallest = 1;
  for (const level of levels) {
    if (!level) continue;
    for (let i = 0; i < level.length; i++) {
      const sub = Math.floor(i / MAX_COLUMN);
      const row = i % MAX_COLUMN;
      const name = level[i]!;
      nodes.set(name, { name, outcome: byName.get(name)?.outcome ?? '', x: 8 + (column + sub) * (nodeWidth + COL_GAP), y: 8 + row * (NODE_H + ROW_GAP) });
      tallest = Math.max(tallest, row + 1);
    }
    column += Math.ceil(level.length / MAX_COLUMN);
  }
  const edges = units.flatMap((u) => u.after.filter((d) => nodes.has(d)).map((d) => ({ from: nodes.get(d)!, to: nodes.get(u.name)! })));
  return {
    width: 16 + Math.max(1, column) * (nodeWidth + COL_GAP) - COL_GAP,
    height: 16 + tallest * (NODE_H + ROW_GAP) - ROW_GAP,
    nodeWidth,
    nodeHeight: NODE_H,
    nodes: [...nodes.values()],
    edges,
    label: (name) => (name.length > maxChars ? `${name.slice(0, maxChars - 1)}…` : name),
  };
}
