/** A small inline SVG line of the last values, with the latest one as text for screen readers and people. */
export function Sparkline(props: { values: number[]; label: string; format(v: number): string }) {
  const { values } = props;
  if (values.length === 0) return <span class="muted">–</span>;
  const w = 60;
  const h = 16;
  const max = Math.max(...values, 1e-9);
  const step = values.length > 1 ? w / (values.length - 1) : 0;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(h - (v / max) * (h - 2) - 1).toFixed(1)}`).join(' ');
  const last = props.format(values[values.length - 1]!);
  return (
    <span class="spark">
      <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`${props.label}: ${last}`}>
        <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
      </svg>
      <span class="spark-value">{last}</span>
    </span>
  );
}
