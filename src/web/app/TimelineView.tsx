import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from './api.js';
import { formatDuration, formatTimestamp } from '../../model/time-format.js';
import { FONT_PX, layoutGraph, layoutTimeline, type PhaseReport, type UnitTiming } from './timeline-layout.js';

interface Transition {
  level: number;
  stop: PhaseReport;
  start: PhaseReport;
  /** Set by a daemon that keeps the boot apart from later switches. */
  boot?: boolean;
  at?: number;
  previous?: number | null;
}

type Which = 'boot' | 'last';
const measured = (ms: number) => formatDuration(ms, { precise: true });

function heading(t: Transition): string {
  const when = formatTimestamp(t.at ?? Math.min(t.stop.startedAt, t.start.startedAt));
  // A daemon that does not say which transition it sent gets no guess.
  if (t.boot === undefined) return `Runlevel ${t.level} entered at ${when}`;
  const what = t.boot ? `Boot into runlevel ${t.level}` : `Switch ${t.previous != null ? `from runlevel ${t.previous} ` : ''}to runlevel ${t.level}`;
  return `${what} at ${when}`;
}

/** The container's width, followed as the window resizes: the chart fits it instead of being stretched. */
function useWidth(): [ref: { current: HTMLDivElement | null }, width: number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(el.clientWidth || 800);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

/** The boot (or the last switch), as `hearth analyze plot` draws it: a bar per unit, and who waited for whom. */
export function TimelineView() {
  const [which, setWhich] = useState<Which>('boot');
  const [t, setT] = useState<Transition | null | undefined>(undefined);
  const [error, setError] = useState('');
  const [ref, width] = useWidth();
  useEffect(() => {
    setT(undefined);
    call<Transition | null>('GET', `/api/v1/analyze?which=${which}`).then(setT, (e: Error) => setError(e.message));
  }, [which]);

  const choose = (w: Which, label: string) => (
    <button type="button" class={which === w ? 'tab active' : 'tab'} aria-pressed={which === w} onClick={() => setWhich(w)}>
      {label}
    </button>
  );
  let body;
  if (error) body = <p role="alert" class="error">{error}</p>;
  else if (t === undefined) body = <p class="muted">Loading…</p>;
  else if (t === null) body = <p>{which === 'boot' ? 'No boot recorded yet.' : 'No runlevel switch recorded yet.'}</p>;
  else body = <TransitionChart t={t} width={width} />;
  return (
    <section aria-label="Boot timeline" class="timeline" ref={ref}>
      <div class="toolbar">
        {choose('boot', 'Boot')}
        {choose('last', 'Last switch')}
      </div>
      {body}
    </section>
  );
}

function TransitionChart(props: { t: Transition; width: number }) {
  const { t } = props;
  const l = layoutTimeline(t, props.width, measured);
  const ran = [...t.stop.units, ...t.start.units].filter((u) => u.startedAt !== undefined);
  return (
    <>
      <h2>
        {heading(t)}: {measured(l.totalMs)}, {l.bars.length} unit{l.bars.length === 1 ? '' : 's'}
      </h2>
      {l.bars.length === 0 ? (
        <p class="muted">Nothing had to start or stop.</p>
      ) : (
        <div class="chart-wrap">
          <svg class="timeline-chart" width={l.width} height={l.height} viewBox={`0 0 ${l.width} ${l.height}`} role="img" aria-label={`Timeline of ${l.bars.length} units`} font-size={FONT_PX}>
            {l.ticks.map((k) => (
              <g>
                <line x1={k.x} y1={16} x2={k.x} y2={l.height - 8} class="tick" />
                <text x={k.x} y={12} text-anchor="middle" class="tick-label">{measured(k.ms)}</text>
              </g>
            ))}
            {l.bars.map((b) => (
              <g>
                <title>{b.title}</title>
                <text x={l.labelWidth - 8} y={b.labelY} text-anchor="end" class="tl-name">{b.name}</text>
                <rect x={b.x} y={b.y} width={b.width} height={b.height} rx={2} class={`tl-bar tl-${b.outcome} tl-phase-${b.phase}`} />
                <text x={b.x + b.width + 4} y={b.labelY} class="tl-time">{measured(b.durationMs)}</text>
              </g>
            ))}
          </svg>
        </div>
      )}
      {ran.some((u) => u.after.length > 0) && (
        <>
          <h3>Dependencies</h3>
          <DependencyGraph units={ran} />
        </>
      )}
    </>
  );
}

/** Units in columns by how deep their "after" chain goes; a line from each dependency to what waited for it. */
function DependencyGraph(props: { units: UnitTiming[] }) {
  const g = layoutGraph(props.units);
  return (
    <div class="chart-wrap">
      <svg class="graph" width={g.width} height={g.height} viewBox={`0 0 ${g.width} ${g.height}`} role="img" aria-label="Dependency graph" font-size={FONT_PX}>
        {g.edges.map((e) => (
          <line x1={e.from.x + g.nodeWidth} y1={e.from.y + g.nodeHeight / 2} x2={e.to.x} y2={e.to.y + g.nodeHeight / 2} class="edge" />
        ))}
        {g.nodes.map((n) => (
          <g>
            <title>{n.name}</title>
            <rect x={n.x} y={n.y} width={g.nodeWidth} height={g.nodeHeight} rx={3} class={`node tl-${n.outcome}`} />
            <text x={n.x + 6} y={n.y + g.nodeHeight / 2 + FONT_PX / 3} class="tl-name">{g.label(n.name)}</text>
          </g>
        ))}
      </svg>
    </div>
  );
}
