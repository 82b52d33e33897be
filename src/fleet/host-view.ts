/**
 * The fleet's hosts as an administrator sees them, built from the keys under
 * /hearth/hosts/: one read for `hearth fleet hosts`, or the live copy a
 * FleetWatch keeps for the GUI. One function, so both show the same thing.
 */
import type { KeyValue } from './etcd-client.js';
import { parseHostKey } from './keys.js';
import { decodeReport, unitNeedsAttention, type AppliedSet, type UnitSummary } from './report.js';
import { matchesHost, type Selector } from './selector.js';

export interface HostView {
  name: string;
  labels: Record<string, string>;
  /** Holds a live lease. */
  up: boolean;
  /** Last report or registration time (ms since epoch); for a down host, when it was last heard of. */
  lastSeen?: number;
  units: UnitSummary[];
  unitsFailing: number;
  conflicts: { unit: string; bundle: string; winner: string }[];
  applied?: AppliedSet;
  version?: string;
}

/** Hosts from the key-values under /hearth/hosts/, sorted by name; only those the selector picks when one is given. */
export function hostViews(kvs: Iterable<Pick<KeyValue, 'key' | 'value'>>, selector?: Selector): HostView[] {
  const byHost = new Map<string, Partial<Record<string, string>>>();
  for (const kv of kvs) {
    const k = parseHostKey(kv.key);
    if (!k) continue;
    const entry = byHost.get(k.host) ?? {};
    entry[k.leaf] = kv.value;
    byHost.set(k.host, entry);
  }
  const views: HostView[] = [];
  for (const [name, keys] of byHost) {
    const info = parseJson(keys.info) as { labels?: Record<string, string>; registeredAt?: number; version?: string } | undefined;
    const report = keys.report ? decodeReport(keys.report) : undefined;
    const labels = info?.labels ?? {};
    if (selector && !matchesHost(selector, name, labels)) continue;
    const lastSeen = Math.max(report?.at ?? 0, info?.registeredAt ?? 0) || undefined;
    views.push({
      name,
      labels,
      up: keys.alive !== undefined,
      ...(lastSeen ? { lastSeen } : {}),
      units: report?.units ?? [],
      unitsFailing: (report?.units ?? []).filter((u) => unitNeedsAttention(u.state)).length,
      conflicts: report?.conflicts ?? [],
      ...(report?.applied ? { applied: report.applied } : {}),
      ...(info?.version ? { version: info.version } : {}),
    });
  }
  return views.sort((a, b) => a.name.localeCompare(b.name));
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
