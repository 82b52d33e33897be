/**
 * `hearth analyze`: reads a RunReport (the timestamps of the last boot or
 * runlevel switch) and answers "what took long" (blame) and "what was the
 * boot waiting on" (critical chain), in the spirit of systemd-analyze.
 */
import { formatDuration } from '../model/index.js';
import type { RunReport, UnitTiming } from './scheduler.js';

export interface BlameEntry {
  name: string;
  durationMs: number;
  outcome: UnitTiming['outcome'];
}

/** Units by time from begin to ready, slowest first; skipped units are left out. */
export function blame(report: RunReport): BlameEntry[] {
  return report.units
    .filter((u) => u.startedAt !== undefined && u.finishedAt !== undefined)
    .map((u) => ({ name: u.name, durationMs: u.finishedAt! - u.startedAt!, outcome: u.outcome }))
    .sort((a, b) => b.durationMs - a.durationMs || (a.name < b.name ? -1 : 1));
}

/** Measured durations keep their milliseconds, as systemd-analyze prints them: "1.234s". */
export function formatMeasured(ms: number): string {
  return formatDuration(ms, { precise: true });
}

/** `blame` as text: a right-aligned duration column, then the name. */
export function formatBlame(entries: BlameEntry[]): string {
  const cols = entries.map((e) => formatMeasured(e.durationMs));
  const width = Math.max(0, ...cols.map((c) => c.length));
  return entries
    .map((e, i) => `${cols[i]!.padStart(width)} ${e.name}${e.outcome === 'failed' ? ' (failed)' : ''}\n`)
    .join('');
}

export interface ChainLink {
  name: string;
  /** When it became ready, relative to the report's start. */
  readyAtMs: number;
  /** How long its own action took. */
  durationMs: number;
}

/**
 * The chain of units the run waited on, last first: starting from the unit
 * that finished last (or `target`), repeatedly follow the dependency that
 * finished latest.
 */
export function criticalChain(report: RunReport, target?: string): ChainLink[] {
  const byName = new Map(report.units.map((u) => [u.name, u]));
  const finished = (u: UnitTiming | undefined) => u !== undefined && u.finishedAt !== undefined && u.startedAt !== undefined;
  let current: UnitTiming | undefined = target
    ? byName.get(target)
    : report.units.filter(finished).sort((a, b) => b.finishedAt! - a.finishedAt!)[0];
  const chain: ChainLink[] = [];
  const seen = new Set<string>();
  while (current && finished(current) && !seen.has(current.name)) {
    seen.add(current.name);
    chain.push({
      name: current.name,
      readyAtMs: current.finishedAt! - report.startedAt,
      durationMs: current.finishedAt! - current.startedAt!,
    });
    current = current.after
      .map((n) => byName.get(n))
      .filter(finished)
      .sort((a, b) => b!.finishedAt! - a!.finishedAt!)[0];
  }
  return chain;
}

/** systemd-analyze's layout: `name @ready +took`, each dependency indented under its dependent. */
export function formatCriticalChain(chain: ChainLink[]): string {
  const lines = [
    'The time when unit became ready is printed after the "@" character.',
    'The time the unit took to start is printed after the "+" character.',
    '',
  ];
  chain.forEach((link, i) => {
    const prefix = i === 0 ? '' : `${'  '.repeat(i - 1)}└─`;
    lines.push(`${prefix}${link.name} @${formatMeasured(link.readyAtMs)} +${formatMeasured(link.durationMs)}`);
  });
  return `${lines.join('\n')}\n`;
}
