/**
 * This host's link to the fleet in words, for `hearth status` and `hearth
 * doctor`: the same sentences in both.
 */
import type { FleetInfo } from '../client/index.js';
import { formatRelative, formatTimestamp } from '../model/index.js';

export interface FleetLinkText {
  /** ok: connected and in sync; warn: connecting, syncing or stale; fail: unreachable or stopped. */
  level: 'ok' | 'warn' | 'fail';
  summary: string;
  details: string[];
}

export function describeFleetLink(f: FleetInfo, now = Date.now()): FleetLinkText {
  const labels = Object.entries(f.labels).map(([k, v]) => `${k}=${v}`).join(',');
  const who = `"${f.host}"${labels ? ` (${labels})` : ''}`;
  const since = (at: number) => `since ${formatTimestamp(at)} (${formatRelative(at, now)})`;
  const link = f.link;
  let level: FleetLinkText['level'] = 'ok';
  let summary: string;
  if (link.state === 'connected') summary = `joined as ${who} via ${link.endpoint} ${since(link.since)}`;
  else if (link.state === 'retrying') {
    level = 'fail';
    summary = `fleet unreachable ${since(link.since)}: ${link.lastError} (${link.attempts} attempt${link.attempts === 1 ? '' : 's'}); the units keep running, hearthd keeps trying`;
  } else if (link.state === 'connecting') {
    level = 'warn';
    summary = `joining as ${who}: connecting to ${f.endpoints.join(', ')} ${since(link.since)}`;
  } else {
    level = 'fail';
    summary = `not in the fleet${f.lastSyncError ? `: ${f.lastSyncError}` : ''}`;
  }
  const details: string[] = [];
  const set = f.set ? `set ${f.set.hash.slice(0, 12)} from etcd revision ${f.set.revision}${Object.keys(f.set.bundles).length ? ` (${Object.entries(f.set.bundles).map(([b, v]) => `${b} v${v}`).join(', ')})` : ''}` : 'no fleet set yet';
  if (f.desired === 'in-sync') details.push(`desired state in sync: ${set}`);
  else if (f.desired === 'syncing') details.push(`reading the desired state; running ${set}`);
  else {
    if (level === 'ok') level = 'warn';
    details.push(`desired state stale: running the last ${set}${f.lastSyncError ? ` (${f.lastSyncError})` : ''}`);
  }
  details.push(`${f.units.length} fleet unit${f.units.length === 1 ? '' : 's'} here${f.units.length ? `: ${f.units.join(', ')}` : ''}`);
  if (f.shadowed.length) details.push(`shadowed by local units (local wins): ${f.shadowed.join(', ')}`);
  const between = f.conflicts.filter((c) => c.winner !== 'local');
  if (between.length) details.push(`bundle conflicts: ${between.map((c) => `${c.unit} (${c.bundle} lost to ${c.winner})`).join(', ')}`);
  details.push(`reports written: ${f.report.writes} (${f.report.bytes} bytes${f.report.failures ? `, ${f.report.failures} failed` : ''})${f.report.lastWriteAt ? `, last ${formatRelative(f.report.lastWriteAt, now)}` : ''}`);
  return { level, summary, details };
}
