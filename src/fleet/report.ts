/**
 * What a host tells the fleet about itself, in one compact key: its units
 * (as rows, not objects: a 50-unit host fits in about 2 KiB), the conflicts it
 * found, and which desired set it has materialised. Bounded so a broken host
 * cannot fill etcd.
 */
import { isServiceState, needsAttention } from '../model/index.js';

/**
 * Whether a unit a host reports needs the administrator: the model's own
 * answer (failed, broken, crash-looping, orphaned, degraded), so every view
 * of the fleet counts the same units. A state this version does not know (a
 * newer host, or a kind's own word like "listening") does not count.
 */
export function unitNeedsAttention(state: string): boolean {
  return isServiceState(state) && needsAttention(state);
}

export interface UnitSummary {
  name: string;
  kind: string;
  state: string;
  /** Runlevels the unit starts in. */
  enabled: number[];
  pids: number;
  restarts: number;
  /** Audit findings about this unit. */
  findings: number;
  lastFailure?: { at: number; reason: string };
}

export interface Conflict {
  /** A unit name, or a file path when two bundles write the same file. */
  unit: string;
  /** The fleet bundle that lost. */
  bundle: string;
  /** "local" when a local unit of the same name wins, else the bundle that won. */
  winner: string;
}

export interface AppliedSet {
  hash: string;
  /** etcd revision of the desired state the set was built from. */
  revision: number;
  bundles: Record<string, number>;
}

export interface HostReport {
  at: number;
  units: UnitSummary[];
  conflicts: Conflict[];
  applied?: AppliedSet;
}

export const REPORT_LIMITS = { units: 2000, reasonChars: 160, conflicts: 500 };

type Row = [string, string, string, string, number, number, number, number, string];

export function encodeReport(r: HostReport): string {
  const rows: Row[] = r.units.slice(0, REPORT_LIMITS.units).map((u) => [
    u.name,
    u.kind,
    u.state,
    u.enabled.join(''),
    u.pids,
    u.restarts,
    u.findings,
    u.lastFailure?.at ?? 0,
    (u.lastFailure?.reason ?? '').slice(0, REPORT_LIMITS.reasonChars),
  ]);
  return JSON.stringify({
    v: 1,
    at: r.at,
    u: rows,
    c: r.conflicts.slice(0, REPORT_LIMITS.conflicts).map((c) => [c.unit, c.bundle, c.winner]),
    ...(r.applied ? { a: [r.applied.hash, r.applied.revision, r.applied.bundles] } : {}),
  });
}

/** Reads a report back; undefined for anything that is not one (a foreign or newer writer). */
export function decodeReport(text: string): HostReport | undefined {
  try {
    const j = JSON.parse(text) as { v?: number; at?: number; u?: Row[]; c?: Array<[string, string, string]>; a?: [string, number, Record<string, number>] };
    if (j.v !== 1 || !Array.isArray(j.u)) return undefined;
    return {
      at: Number(j.at ?? 0),
      units: j.u.map((row) => ({
        name: String(row[0]),
        kind: String(row[1]),
        state: String(row[2]),
        enabled: [...String(row[3] ?? '')].map(Number),
        pids: Number(row[4] ?? 0),
        restarts: Number(row[5] ?? 0),
        findings: Number(row[6] ?? 0),
        ...(row[7] ? { lastFailure: { at: Number(row[7]), reason: String(row[8] ?? '') } } : {}),
      })),
      conflicts: (j.c ?? []).map(([unit, bundle, winner]) => ({ unit, bundle, winner })),
      ...(j.a ? { applied: { hash: j.a[0], revision: j.a[1], bundles: j.a[2] } } : {}),
    };
  } catch {
    return undefined;
  }
}
