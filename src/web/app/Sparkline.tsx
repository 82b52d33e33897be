/**
 * A small line of the last values and the latest one as text, for screen
 * readers and people. "–" when there is nothing to measure (no process). The
 * width never changes with the value, so a table of them never reflows.
 */
export function Sparkline(props: { values: Array<number | null>; label: string; format(v: number): string }) {
  const values = props.values;
  const latest = values.length ? values[values.length - 1] : null;
  // Not sampled yet: nothing. Sampled with no process: "–".
  const text = values.length === 0 ? '' : latest === null || latest === undefined ? '–' : props.format(latest);
  const known = values.filter((v): v is number => v !== null);
  const w = 48;
  const h = 14;
  const max = Math.max(...known, 1e-9);
  const step = values.length > 1 ? w / (values.length - 1) : 0;
  const points = values
    .map((v, i) => (v === null ? null : `${(i * step).toFixed(1)},${(h - (v / max) * (h - 2) - 1).toFixed(1)}`))
    .filter((p): p is string => p !== null)
    .join(' ');
  return (
    <span class="spark" aria-label={`${props.label}: ${text}`} role="img">
      <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} aria-hidden="true">
        {known.length > 1 && <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />}
      </svg>
      <span class="spark-value">{text}</span>
    </span>
  );
}
