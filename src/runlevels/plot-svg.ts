/**
 * `hearth analyze plot FILE.svg`: a timeline with one bar per unit from the
 * moment its action began to the moment it was ready, like systemd-analyze
 * plot. Plain SVG 1.1 with no scripts or external references, so any viewer
 * (and an XML parser) accepts it.
 */
import type { RunReport } from './scheduler.js';
import { formatMeasured as formatDuration } from './analyze.js';

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    // Control characters are not allowed in XML 1.0 at all.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '?');
}

export interface PlotOptions {
  /** What was measured ("hearth: boot into runlevel 3 at …"); the total time is added after it. */
  title?: string;
  /** Pixels per second of the time axis (default: fitted to ~1000px). */
  pxPerSecond?: number;
}

const ROW = 22;
const LEFT = 20;
const TOP = 60;
const COLORS = { done: '#4caf50', failed: '#e53935', skipped: '#9e9e9e' } as const;

export function renderPlotSvg(report: RunReport, opts: PlotOptions = {}): string {
  const units = report.units
    .filter((u) => u.startedAt !== undefined || u.outcome === 'skipped')
    .sort((a, b) => (a.startedAt ?? Infinity) - (b.startedAt ?? Infinity) || (a.name < b.name ? -1 : 1));
  const totalMs = Math.max(1, report.finishedAt - report.startedAt);
  const scale = (opts.pxPerSecond ?? Math.max(50, 1000 / (totalMs / 1000))) / 1000; // px per ms
  const chartWidth = Math.max(200, Math.ceil(totalMs * scale));
  const labelRoom = 40 + Math.max(0, ...units.map((u) => u.name.length)) * 7;
  const width = LEFT + chartWidth + labelRoom;
  const height = TOP + units.length * ROW + 40;
  const title = `${opts.title ?? `hearth ${report.kind}`}: ${formatDuration(totalMs)}`;

  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8" standalone="no"?>');
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${LEFT}" y="24" font-size="16">${escapeXml(title)}</text>`);

  // Axis: a grid line per tick, ticks chosen so they sit at least ~60px apart.
  const steps = [100, 200, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000];
  const step = steps.find((s) => s * scale >= 60) ?? 600_000;
  for (let t = 0; t <= totalMs; t += step) {
    const x = (LEFT + t * scale).toFixed(1);
    out.push(`<line x1="${x}" y1="${TOP - 10}" x2="${x}" y2="${TOP + units.length * ROW}" stroke="#dddddd"/>`);
    out.push(`<text x="${x}" y="${TOP - 14}" fill="#555555" text-anchor="middle">${escapeXml(formatDuration(t))}</text>`);
  }

  units.forEach((u, i) => {
    const y = TOP + i * ROW;
    const begin = (u.startedAt ?? report.startedAt) - report.startedAt;
    const end = (u.finishedAt ?? u.startedAt ?? report.startedAt) - report.startedAt;
    const x = LEFT + begin * scale;
    const w = Math.max(2, (end - begin) * scale);
    const tip = `${u.name}: ${u.outcome}${u.startedAt !== undefined ? ` after ${formatDuration(end - begin)}` : ''}${u.error ? ` (${u.error})` : ''}`;
    out.push(
      `<g><title>${escapeXml(tip)}</title><rect x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 6}" rx="2" fill="${COLORS[u.outcome]}"/>` +
        `<text x="${(x + w + 6).toFixed(1)}" y="${y + ROW - 7}">${escapeXml(u.name)}</text></g>`,
    );
  });

  const legendY = TOP + units.length * ROW + 24;
  let lx = LEFT;
  for (const [label, color] of Object.entries(COLORS)) {
    out.push(`<rect x="${lx}" y="${legendY - 10}" width="12" height="12" fill="${color}"/>`);
    out.push(`<text x="${lx + 16}" y="${legendY}">${label}</text>`);
    lx += 90;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
