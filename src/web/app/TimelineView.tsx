import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';

interface UnitTiming {
  name: string;
  outcome: string;
  startedAt?: number;
  finishedAt?: number;
  after: string[];
}
interface Report {
  startedAt: number;
  finishedAt: number;
  units: UnitTiming[];
}
interface Transition {
  level: number;
  stop: Report;
  start: Report;
}

const ROW = 18;

/** The last boot or runlevel switch (`hearth analyze`): a bar per unit, and who waited for whom. */
export function TimelineView() {
  const [t, setT] = useState<Transition | null | undefined>(undefined);
  const [error, setError] = useState('');
  useEffect(() => {
    call<Transition | null>('GET', '/api/v1/analyze').then(setT, (e: Error) => setError(e.message));
  }, []);
  if (error) return <p role="alert" class="error">{error}</p>;
  if (t === undefined) return <p class="muted">Loading…</p>;
  if (t === null) return <p>No boot or runlevel switch recorded yet.</p>;
  const units = [...t.stop.units, ...t.start.units].filter((u) => u.startedAt !== undefined);
  const t0 = Math.min(t.stop.startedAt, t.start.startedAt);
  const t1 = Math.max(t.stop.finishedAt, t.start.finishedAt, ...units.map((u) => u.finishedAt ?? 0));
  const span = Math.max(1, t1 - t0);
  const width = 640;
  const x = (ts: number) => 160 + ((ts - t0) / span) * (width - 170);
  return (
    <section aria-label="Boot timeline">
      <h2>
        Entering runlevel {t.level}: {span} ms
      </h2>
      <svg width="100%" viewBox={`0 0 ${width} ${units.length * ROW + 10}`} role="img" aria-label={`Timeline of ${units.length} units`}>
        {units.map((u, i) => (
          <g>
            <text x="0" y={i * ROW + 13} class="tl-name">{u.name}</text>
            <rect x={x(u.startedAt!)} y={i * ROW + 3} width={Math.max(2, x(u.finishedAt ?? u.startedAt!) - x(u.startedAt!))} height={ROW - 6} class={`tl-bar tl-${u.outcome}`}>
              <title>{`${u.name}: ${(u.finishedAt ?? u.startedAt!) - u.startedAt!} ms, ${u.outcome}${u.after.length ? `, after ${u.after.join(', ')}` : ''}`}</title>
            </rect>
          </g>
        ))}
      </svg>
      <h3>Dependencies</h3>
      <DependencyGraph units={units} />
      <ul class="deps">
        {units.filter((u) => u.after.length > 0).map((u) => (
          <li>
            {u.name} ← {u.after.join(', ')}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Units in columns by how deep their "after" chain goes; a line from each dependency to what waited for it. */
function DependencyGraph(props: { units: UnitTiming[] }) {
  const names = new Set(props.units.map((u) => u.name));
  const byName = new Map(props.units.map((u) => [u.name, u]));
  const depth = new Map<string, number>();
  const depthOf = (name: string, seen = new Set<string>()): number => {
    if (depth.has(name)) return depth.get(name)!;
    if (seen.has(name)) return 0; // a cycle: analyze reports it; draw it flat
    seen.add(name);
    const deps = (byName.get(name)?.after ?? []).filter((d) => names.has(d));
    const d = deps.length ? 1 + Math.max(...deps.map((x) => depthOf(x, seen))) : 0;
    depth.set(name, d);
    return d;
  };
  props.units.forEach((u) => depthOf(u.name));
  const columns: string[][] = [];
  for (const u of props.units) (columns[depth.get(u.name)!] ??= []).push(u.name);
  const colW = 150;
  const rowH = 26;
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) => col.forEach((n, r) => pos.set(n, { x: 10 + c * colW, y: 10 + r * rowH })));
  const height = 20 + Math.max(1, ...columns.map((c) => c.length)) * rowH;
  const width = 20 + Math.max(1, columns.length) * colW;
  return (
    <svg class="graph" width="100%" viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Dependency graph">
      {props.units.flatMap((u) =>
        u.after.filter((d) => pos.has(d)).map((d) => {
          const a = pos.get(d)!;
          const b = pos.get(u.name)!;
          return <line x1={a.x + 130} y1={a.y + 9} x2={b.x} y2={b.y + 9} class="edge" />;
        }),
      )}
      {[...pos].map(([n, p]) => (
        <g>
          <rect x={p.x} y={p.y} width="130" height="18" rx="3" class={`node tl-${byName.get(n)?.outcome ?? ''}`} />
          <text x={p.x + 6} y={p.y + 13} class="tl-name">{n.length > 20 ? `${n.slice(0, 19)}…` : n}</text>
        </g>
      ))}
    </svg>
  );
}
