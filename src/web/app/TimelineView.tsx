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
