import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { call, subscribe, type HearthEvent, type ServiceStatus } from './api.js';
import { ALL_STATES } from '../../model/state.js';
import { ServiceDetail } from './ServiceDetail.js';
import { RunlevelSwitch } from './RunlevelSwitch.js';
import { LEVELS, ServiceRow, type Action, type RowHandlers } from './ServiceRow.js';
import { crashedAt, troubleOf } from './trouble.js';
import { useUsage } from './usage.js';

export interface CatalogInfo {
  risk: 'low' | 'medium' | 'high';
  riskReason: string;
  description: string;
  category: string;
}

/** Staged enablement: seven flags for a per-runlevel unit, one for an inetd-style service. */
type Pending = Map<string, boolean[] | boolean>;

const USAGE_ROWS = 40;
const EMPTY_FILTER = { text: '', kind: '', state: '', enabled: '', risk: '', trouble: false };

export function ServicesView(props: { readOnly: boolean }) {
  const [services, setServices] = useState<ServiceStatus[]>([]);
  const [catalog, setCatalog] = useState<Record<string, CatalogInfo>>({});
  const [runlevel, setRunlevel] = useState<number | null>(null);
  const [pending, setPending] = useState<Pending>(new Map());
  const [filter, setFilter] = useState(EMPTY_FILTER);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  // When each service last crashed (a backoff or a failure, or its last exit at load).
  const [crashes, setCrashes] = useState<Record<string, number>>({});
  const [now, setNow] = useState(Date.now());

  const reload = () =>
    Promise.all([call<ServiceStatus[]>('GET', '/api/v1/services'), call<{ runlevel: number | null }>('GET', '/api/v1/info')]).then(([list, info]) => {
      setServices(list);
      setRunlevel(info.runlevel);
      setCrashes((old) => {
        const next = { ...old };
        for (const s of list) {
          const at = crashedAt(s);
          if (at !== undefined && at > (next[s.name] ?? 0)) next[s.name] = at;
        }
        return next;
      });
    });
  // Rows get stable callbacks, so a row re-renders only when its own data changes.
  const handlers = useRef<RowHandlers>(null as unknown as RowHandlers);

  useEffect(() => {
    // The first render waits for the catalog too: one render of 1000 rows, not two.
    const known = call<Record<string, CatalogInfo>>('GET', '/api/catalog').catch(() => ({}));
    void Promise.all([reload(), known]).then(([, c]) => setCatalog(c));
    // Live state: apply each state change to its row; a config reload re-reads the list.
    const stop = subscribe<HearthEvent>('/api/v1/events', 'event', (e) => {
      if (e.type === 'service.state') {
        setServices((list) =>
          list.map((s) =>
            s.name === e.name
              ? { ...s, state: e.to, pid: e.pid, ...(e.detail !== undefined ? { detail: e.detail } : {}) }
              : s,
          ),
        );
        if (e.to === 'backoff' || e.to === 'failed') setCrashes((old) => ({ ...old, [e.name]: e.at }));
      } else if (e.type === 'config.reloaded') void reload();
    }, () => void reload());
    // "last crash 3s ago" and the crash-loop window move on by themselves.
    const tick = setInterval(() => setNow(Date.now()), 5000);
    return () => {
      stop();
      clearInterval(tick);
    };
  }, []);

  // Leaving with staged changes asks first.
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (pending.size === 0) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [pending]);

  const troubles = useMemo(() => {
    const out: Record<string, string> = {};
    for (const s of services) {
      const t = troubleOf(s, crashes[s.name], now);
      if (t) out[s.name] = t;
    }
    return out;
  }, [services, crashes, now]);
  const troubled = Object.keys(troubles);

  const visible = useMemo(() => {
    const text = filter.text.toLowerCase();
    return services.filter(
      (s) =>
        (!text || s.name.toLowerCase().includes(text) || (s.description || catalog[s.name]?.description || '').toLowerCase().includes(text)) &&
        (!filter.kind || s.kind === filter.kind) &&
        (!filter.state || s.state === filter.state) &&
        (!filter.enabled || String(Boolean(s.enabled)) === filter.enabled) &&
        (!filter.risk || catalog[s.name]?.risk === filter.risk) &&
        (!filter.trouble || troubles[s.name] !== undefined),
    );
  }, [services, catalog, filter, troubles]);

  // The samples also bring restart counts and last exits up to date (events carry only the state).
  const usage = useUsage(visible.slice(0, USAGE_ROWS).map((s) => s.name), (details) => {
    const fresh = new Map(details.map((d) => [d.name, d]));
    setServices((list) =>
      list.map((s) => {
        const d = fresh.get(s.name);
        if (!d || (d.restarts === s.restarts && d.lastExit?.at === s.lastExit?.at)) return s;
        return { ...s, restarts: d.restarts, lastExit: d.lastExit };
      }),
    );
    setCrashes((old) => {
      let next = old;
      for (const d of details) {
        const at = crashedAt(d);
        if (at !== undefined && at > (old[d.name] ?? 0)) next = { ...next, [d.name]: at };
      }
      return next;
    });
  });

  const act = async (name: string, action: Action) => {
    setBusy((b) => new Set(b).add(name));
    try {
      const r = await call<{ ok: boolean; state?: string; error?: { message: string } }>('POST', `/api/v1/services/${encodeURIComponent(name)}/${action}`);
      setMessage(r.ok ? { text: `${name}: ${action} done${r.state ? ` (${r.state})` : ''}`, error: false } : { text: `${name}: ${r.error?.message ?? `${action} failed`}`, error: true });
    } catch (e) {
      setMessage({ text: `${name}: ${(e as Error).message}`, error: true });
    } finally {
      setBusy((b) => {
        const next = new Set(b);
        next.delete(name);
        return next;
      });
    }
  };

  const stageLevel = (s: ServiceStatus, level: number) => {
    const current = (pending.get(s.name) as boolean[] | undefined) ?? [...(s.levels ?? [])];
    const next = current.map((on, i) => (i === level ? !on : on));
    const copy = new Map(pending);
    if (next.every((on, i) => on === s.levels?.[i])) copy.delete(s.name);
    else copy.set(s.name, next);
    setPending(copy);
  };

  const stageWhole = (s: ServiceStatus) => {
    const current = (pending.get(s.name) as boolean | undefined) ?? Boolean(s.enabled);
    const copy = new Map(pending);
    if (!current === Boolean(s.enabled)) copy.delete(s.name);
    else copy.set(s.name, !current);
    setPending(copy);
  };

  const save = async () => {
    const errors: string[] = [];
    for (const [name, want] of pending) {
      const s = services.find((x) => x.name === name);
      if (!s) continue;
      try {
        if (typeof want === 'boolean') {
          await call('POST', '/api/v1/enable', { name, on: want });
        } else {
          const on = LEVELS.filter((l) => want[l] && !s.levels?.[l]);
          const off = LEVELS.filter((l) => !want[l] && s.levels?.[l]);
          if (on.length) await call('POST', '/api/v1/enable', { name, levels: on, on: true });
          if (off.length) await call('POST', '/api/v1/enable', { name, levels: off, on: false });
        }
      } catch (e) {
        errors.push(`${name}: ${(e as Error).message}`);
      }
    }
    setPending(new Map());
    await reload();
    setMessage(errors.length ? { text: errors.join('; '), error: true } : { text: 'Saved.', error: false });
  };

  handlers.current = handlers.current ?? ({} as RowHandlers);
  // The object stays the same; what it calls is refreshed each render (it closes over current state).
  Object.assign(handlers.current, { act, stageLevel, stageWhole, open: setSelected });

  const select = (key: 'kind' | 'state' | 'enabled' | 'risk', label: string, options: string[]) => (
    <label>
      {label}
      <select value={filter[key]} onChange={(e) => setFilter({ ...filter, [key]: (e.target as HTMLSelectElement).value })}>
        <option value="">any</option>
        {options.map((o) => (
          <option value={o}>{o}</option>
        ))}
      </select>
    </label>
  );

  return (
    <section aria-label="Services" class="services-view">
      <div class="toolbar">
        <input type="search" placeholder="Search services" aria-label="Search services" value={filter.text} onInput={(e) => setFilter({ ...filter, text: (e.target as HTMLInputElement).value })} />
        {select('kind', 'Kind', ['service', 'sysv', 'systemd', 'inetd', 'timer'])}
        {select('state', 'State', ALL_STATES)}
        {select('enabled', 'Enabled now', ['true', 'false'])}
        {select('risk', 'Risk', ['high', 'medium', 'low'])}
        <span class="counts">
          {services.length} services
          {troubled.length > 0 && (
            <button
              type="button"
              class={`badge failed${filter.trouble ? ' on' : ''}`}
              aria-pressed={filter.trouble}
              title={`${troubled.join(', ')}: failed, broken, degraded or crash-looping. Click to show only these.`}
              onClick={() => setFilter({ ...filter, trouble: !filter.trouble })}
            >
              {troubled.length} failed
            </button>
          )}
        </span>
      </div>
      <RunlevelSwitch current={runlevel} services={services} readOnly={props.readOnly} onSwitched={(text, error) => { setMessage({ text, error }); void reload(); }} />
      <div class="table-wrap">
        <table class="services">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" class="opt">Kind</th>
              <th scope="col" class="wide">Description</th>
              <th scope="col">State</th>
              {LEVELS.map((l) => (
                <th scope="col" class="level" title={`starts in runlevel ${l}`}>{l}</th>
              ))}
              <th scope="col" class="num opt">Restarts</th>
              <th scope="col" class="num opt">CPU</th>
              <th scope="col" class="num">Memory</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {visible.map((s) => (
              <ServiceRow
                key={s.name}
                service={s}
                staged={pending.get(s.name)}
                info={catalog[s.name]}
                usage={usage[s.name]}
                trouble={troubles[s.name]}
                busy={busy.has(s.name)}
                readOnly={props.readOnly}
                handlers={handlers.current}
              />
            ))}
          </tbody>
        </table>
        {visible.length === 0 && services.length > 0 && <p class="muted">No service matches the filter.</p>}
      </div>
      {/* After the table and sticky at the bottom: what appears here never moves a row. */}
      <div class="footer-bar">
        {pending.size > 0 && (
          <div class="pending" role="region" aria-label="Pending changes">
            {pending.size} pending change{pending.size > 1 ? 's' : ''}
            <button type="button" onClick={save}>Save</button>
            <button type="button" onClick={() => setPending(new Map())}>Revert</button>
          </div>
        )}
        <p role="status" class={`message ${message?.error ? 'error' : 'ok'}`}>
          {message?.text ?? ''}
          {message && (
            <button type="button" class="link dismiss" aria-label="Dismiss message" onClick={() => setMessage(null)}>
              ×
            </button>
          )}
        </p>
      </div>
      {selected && <ServiceDetail name={selected} catalog={catalog[selected]} onClose={() => setSelected(null)} />}
    </section>
  );
}
