// Recording measurements: every row carries its values, median, spread, rounds, the
// machine and its load at the time, and the load client's CPU share where there is one.
import { ROUNDS, QUICK, log, machineLoad } from './env.mjs';

export const results = [];

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** (max − min) ÷ median: 0.2 means the rounds differed by 20% of the median. */
export function spread(xs) {
  const m = median(xs);
  return xs.length > 1 ? (Math.max(...xs) - Math.min(...xs)) / (Math.abs(m) || 1) : 0;
}

/**
 * One subject's measurement of one metric. `extra.clientCpu` is the busiest load client's
 * share of one core (0–1): near 1 would mean the client, not the subject, set the pace.
 */
export function record(workload, subject, metric, unit, values, better = 'higher', extra = {}) {
  const row = {
    workload,
    subject,
    metric,
    unit,
    better,
    values,
    median: median(values),
    spread: spread(values),
    rounds: values.length,
    quick: QUICK,
    load: machineLoad(),
    date: new Date().toISOString(),
    ...extra,
  };
  results.push(row);
  log(`${workload} ${subject} ${metric}: ${row.median.toFixed(2)} ${unit} (n=${values.length}, spread ${(row.spread * 100).toFixed(0)}%)`);
  return row;
}

export function unavailable(workload, subject, reason) {
  results.push({ workload, subject, unavailable: reason, date: new Date().toISOString() });
  log(`${workload} ${subject}: not available (${reason})`);
}

export function note(workload, text) {
  results.push({ workload, note: text, date: new Date().toISOString() });
  log(`${workload}: ${text}`);
}

export { ROUNDS };
