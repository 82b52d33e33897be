import { useEffect, useMemo, useState } from 'preact/hooks';
import { call, subscribe, RequestFailed } from './api.js';
import type { FleetAuditRow, FleetHostView, FleetOverview } from '../../control/daemon-api.js';

/** The GUI's state words for a unit's state; "absent" where a host lacks the unit. */
const STATE_CLASS = (state: string) => `state state-${state}`;
const ago = (at: number, now: number) => {
  const s = Math.max(0, Math.round((now - at) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}min ago` : `${Math.round(s / 3600)}h ago`;
};

/** The hosts a filter keeps: every chosen label must match (the same rule as a selector). */
function matches(h: FleetHostView, filter: Record<string, string>): boolean {
  return Object.entries(filter).every(([k, v]) => v === '' || (k === 'host' ? h.name === v : h.labels[k] === v));
}

/** The filter as a selector for a rolling restart: "role=web,dc=fra1", or "*" for every host. */
function selectorOf(filter: Record<string, string>): string {
  const pairs = Object.entries(filter).filter(([, v]) => v !== '').sort(([a], [b]) => a.localeCompare(b));
  return pairs.length ? pairs.map(([k, v]) => `${k}=${v}`).join(',') : '*';
}

function linkLine(o: FleetOverview, now: number): { text: string; bad: boolean } {
  const l = o.self.link;
  if (l.state === 'connected') return { text: `This host: "${o.self.host}", joined via ${l.endpoint} ${ago(l.since, now)}`, bad: false };
  if (l.state === 'retrying') return { text: `Fleet unreachable since ${ago(l.since, now)}: ${l.lastError}. Units keep running.`, bad: true };
  return { text: `This host: "${o.self.host}", ${l.state}`, bad: l.state === 'stopped' };
}

/**
 * The fleet as this hearthd sees it through etcd: hosts × units with live
 * state, filters by label, a rolling restart with its progress, and the audit
 * roll-up. The browser talks only to hearthd; hearthd watches etcd.
 */
export function FleetView(props: { readOnly: boolean }) {
  const [overview, setOverview] = useState<FleetOverview | null | undefined>(undefined);
  const [error, setError] = useState('');
  const [filter, setFilter] = useState<Record<string, string>>({});
  const [audit, setAudit] = useState<FleetAuditRow[] | null>(null);
  const [unit, setUnit] = useState('');
  const [maxUnavailable, setMaxUnavailable] = useState(1);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    // The stream's first message is the overview too; whichever comes later must not put an older one back.
    call<FleetOverview>('GET', '/api/v1/fleet').then(
      (o) => setOverview((now) => now ?? o),
      (e: Error) => (e instanceof RequestFailed && e.status === 404 ? setOverview(null) : setError(e.message)),
    );
    const stop = subscribe<FleetOverview>('/api/v1/fleet/events', 'fleet', (o) => setOverview(o));
    const tick = setInterval(() => setNow(Date.now()), 5000);
    return () => {
      stop();
      clearInterval(tick);
    };
  }, []);

  // The audit roll-up follows the reports, at most every few seconds.
  const reportStamp = overview?.view.at ?? 0;
  useEffect(() => {
    if (!overview) return;
    const t = setTimeout(() => call<FleetAuditRow[]>('GET', '/api/v1/fleet/audit').then(setAudit, () => undefined), audit ? 3000 : 0);
    return () => clearTimeout(t);
  }, [reportStamp]);

  const hosts = overview?.view.hosts ?? [];
  const labelKeys = useMemo(() => [...new Set(hosts.flatMap((h) => Object.keys(h.labels)))].sort(), [hosts]);
  const shown = hosts.filter((h) => matches(h, filter));
  const units = useMemo(() => [...new Set(shown.flatMap((h) => h.units.map((u) => u.name)))].sort(), [shown]);

  if (error) return <p role="alert" class="error">{error}</p>;
  if (overview === undefined) return <p class="muted">Loading the fleet…</p>;
  if (overview === null) return <p>This hearthd is not in a fleet: add a [fleet] section to hearth.toml.</p>;

  const link = linkLine(overview, now);
  const run = overview.restart;
  const running = run !== undefined && !run.result && !run.error;
  const restart = () => {
    setError('');
    call('POST', '/api/v1/fleet/restart', { unit, selector: selectorOf(filter), maxUnavailable }).catch((e: Error) => setError(e.message));
  };
  const down = shown.filter((h) => !h.up).length;
  const failing = shown.reduce((n, h) => n + h.unitsFailing, 0);

  return (
    <section aria-label="Fleet" class="fleet">
      <p class={link.bad ? 'error' : 'muted'} data-fleet-link={overview.self.link.state}>
        {link.text}
        {overview.view.state !== 'live' && <span class="badge">{overview.view.state === 'stale' ? `view stale: ${overview.view.error ?? 'etcd unreachable'}` : 'reading etcd…'}</span>}
      </p>
      <div class="toolbar" role="group" aria-label="Filter hosts by label">
        {['host', ...labelKeys].map((k) => {
          const values = [...new Set(hosts.map((h) => (k === 'host' ? h.name : h.labels[k])).filter((v): v is string => v !== undefined))].sort();
          return (
            <label>
              {k}
              <select aria-label={`filter by ${k}`} value={filter[k] ?? ''} onChange={(e) => setFilter({ ...filter, [k]: (e.target as HTMLSelectElement).value })}>
                <option value="">any</option>
                {values.map((v) => (
                  <option value={v}>{v}</option>
                ))}
              </select>
            </label>
          );
        })}
        <span class="counts" data-counts>
          {shown.length} host{shown.length === 1 ? '' : 's'}
          {down ? <span class="badge failed">{down} down</span> : null}
          {failing ? <span class="badge failed">{failing} failing units</span> : null}
        </span>
      </div>
      <div class="table-wrap">
        <table class="fleet-matrix">
          <thead>
            <tr>
              <th scope="col">Host</th>
              {units.map((u) => (
                <th scope="col" class="unit-col" title={u}>
                  {u}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((h) => {
              const byName = new Map(h.units.map((u) => [u.name, u]));
              return (
                <tr data-host={h.name} data-up={String(h.up)}>
                  <th scope="row" class="name">
                    {h.name} <span class={h.up ? 'badge ok' : 'badge failed'}>{h.up ? 'up' : 'down'}</span>
                    <div class="muted small">
                      {Object.entries(h.labels).map(([k, v]) => `${k}=${v}`).join(' ') || 'no labels'}
                      {h.lastSeen ? ` · ${ago(h.lastSeen, now)}` : ''}
                    </div>
                  </th>
                  {units.map((name) => {
                    const u = byName.get(name);
                    const state = u?.state ?? 'absent';
                    const title = u ? `${name} on ${h.name}: ${state}${u.restarts ? `, ${u.restarts} restarts` : ''}${u.lastFailure ? `; last failure: ${u.lastFailure.reason}` : ''}` : `${name} is not on ${h.name}`;
                    return (
                      <td data-unit={name} data-state={state} title={title} class={h.up ? '' : 'stale'}>
                        <span class={u ? STATE_CLASS(state) : 'muted'}>{u ? state : '–'}</span>
                        {u && u.findings > 0 ? <span class="badge failed">{u.findings}</span> : null}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <h3>Rolling restart</h3>
      <div class="toolbar" role="group" aria-label="Rolling restart">
        <label>
          unit
          <select aria-label="unit to restart" value={unit} onChange={(e) => setUnit((e.target as HTMLSelectElement).value)}>
            <option value="">choose…</option>
            {units.map((u) => (
              <option value={u}>{u}</option>
            ))}
          </select>
        </label>
        <label>
          at once
          <input type="number" min={1} max={100} value={maxUnavailable} aria-label="hosts restarting at once" onInput={(e) => setMaxUnavailable(Math.max(1, Number((e.target as HTMLInputElement).value) || 1))} />
        </label>
        <span class="muted">on {selectorOf(filter)} ({shown.length} hosts)</span>
        <button type="button" disabled={props.readOnly || running || unit === ''} onClick={restart}>
          Restart {unit || 'unit'} host by host
        </button>
      </div>
      {run && (
        <div class="rolling" aria-live="polite" data-restart={run.result ? (run.result.ok ? 'done' : 'failed') : run.error ? 'failed' : 'running'}>
          <p>
            {run.unit} on {run.selector}, {run.maxUnavailable} at a time:{' '}
            {run.error ? <span class="error">{run.error}</span> : run.result ? (run.result.ok ? <span class="ok">done on {run.result.done.length} hosts</span> : <span class="error">stopped at {run.result.failed.map((f) => `${f.host}: ${f.error}`).join('; ')}</span>) : 'running…'}
          </p>
          <ol class="progress">
            {run.hosts.map((host) => {
              const p = run.progress[host];
              const phase = p?.phase ?? (run.result && !run.result.ok && run.result.notStarted.includes(host) ? 'not started' : 'waiting');
              return (
                <li data-host={host} data-phase={phase} class={phase === 'failed' ? 'error' : phase === 'ready' ? 'ok' : 'muted'}>
                  {host}: {phase}
                  {p?.error ? ` (${p.error})` : ''}
                </li>
              );
            })}
          </ol>
        </div>
      )}
      <h3>Audit</h3>
      {audit === null ? (
        <p class="muted">Reading the hosts' audit counts…</p>
      ) : (
        <div class="table-wrap">
          <table class="fleet-audit">
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Findings</th>
                <th scope="col">Units with findings or high risk</th>
              </tr>
            </thead>
            <tbody>
              {audit
                .filter((r) => shown.some((h) => h.name === r.host))
                .map((r) => (
                  <tr data-audit-host={r.host}>
                    <th scope="row">{r.host}</th>
                    <td class={r.findings ? 'error' : 'ok'}>{r.findings}</td>
                    <td>{r.units.length ? r.units.map((u) => `${u.name} (${u.state}${u.risk ? `, ${u.risk} risk` : ''}${u.findings ? `, ${u.findings} finding${u.findings === 1 ? '' : 's'}` : ''})`).join(', ') : '—'}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
