import { Component } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { call, subscribe, type HearthEvent, type ServiceStatus } from './api.js';
import { ALL_STATES, needsAttention } from '../../model/state.js';
import { ServiceDetail } from './ServiceDetail.js';
import { Sparkline } from './Sparkline.js';
import { RunlevelSwitch } from './RunlevelSwitch.js';

export interface CatalogInfo {
  risk: 'low' | 'medium' | 'high';
  riskReason: string;
  description: string;
  category: string;
}

/** Staged enablement: seven flags for a per-runlevel unit, one for an inetd-style service. */
type Pending = Map<string, boolean[] | boolean>;

interface Usage {
  cpu: number[];
  mem: number[];
}

const LEVELS = [0, 1, 2, 3, 4, 5, 6];
const USAGE_ROWS = 40;
const USAGE_POINTS = 30;

export function ServicesView(props: { readOnly: boolean }) {
  const [services, setServices] = useState<ServiceStatus[]>([]);
  const [catalog, setCatalog] = useState<Record<string, CatalogInfo>>({});
  const [runlevel, setRunlevel] = useState<number | null>(null);
  const [pending, setPending] = useState<Pending>(new Map());
  const [filter, setFilter] = useState({ text: '', kind: '', state: '', enabled: '', risk: '' });
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [usage, setUsage] = useState<Record<string, Usage>>({});

  const reload = () =>
    Promise.all([call<ServiceStatus[]>('GET', '/api/v1/services'), call<{ runlevel: number | null }>('GET', '/api/v1/info')]).then(([list, info]) => {
      setServices(list);
      setRunlevel(info.runlevel);
    });
  // Rows get stable callbacks, so a row re-renders only when its own data changes.
  const handlers = useRef<RowHandlers>(null as unknown as RowHandlers);

  useEffect(() => {
    // The first render waits for the catalog too: one render of 1000 rows, not two.
    const known = call<Record<string, CatalogInfo>>('GET', '/api/catalog').catch(() => ({}));
    void Promise.all([reload(), known]).then(([, c]) => setCatalog(c));
    // Live state: apply each state change to its row; a config reload re-reads the list.
    return subscribe<HearthEvent>('/api/v1/events', 'event', (e) => {
      if (e.type === 'service.state') {
        setServices((list) => list.map((s) => (s.name === e.name ? { ...s, state: e.to, pid: e.pid, ...(e.detail !== undefined ? { detail: e.detail } : {}) } : s)));
      } else if (e.type === 'config.reloaded') void reload();
    });
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

  const visible = useMemo(() => {
    const text = filter.text.toLowerCase();
    return services.filter(
      (s) =>
        (!text || s.name.toLowerCase().includes(text) || (s.description || catalog[s.name]?.description || '').toLowerCase().includes(text)) &&
        (!filter.kind || s.kind === filter.kind) &&
        (!filter.state || s.state === filter.state) &&
        (!filter.enabled || String(Boolean(s.enabled)) === filter.enabled) &&
        (!filter.risk || catalog[s.name]?.risk === filter.risk),
    );
  }, [services, catalog, filter]);

  // CPU and memory of the first rows on screen, every 5 s: the sparklines' data.
  const watched = visible.slice(0, USAGE_ROWS).map((s) => s.name).join('\n');
  useEffect(() => {
    const names = watched ? watched.split('\n') : [];
    const sample = async () => {
      const details = await Promise.all(names.map((n) => call<ServiceStatus>('GET', `/api/v1/services/${encodeURIComponent(n)}`).catch(() => null)));
      setUsage((old) => {
        const next = { ...old };
        for (const d of details) {
          if (!d) continue;
          const u = next[d.name] ?? { cpu: [], mem: [] };
          next[d.name] = { cpu: [...u.cpu, d.cpuSeconds ?? 0].slice(-USAGE_POINTS), mem: [...u.mem, d.memoryBytes ?? 0].slice(-USAGE_POINTS) };
        }
        return next;
      });
    };
    // The first sample waits a moment: the list's first render comes first.
    const first = setTimeout(sample, 1000);
    const timer = setInterval(sample, 5000);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [watched]);

  const failed = services.filter((s) => needsAttention(s.state));

  const act = async (name: string, action: 'start' | 'stop' | 'restart' | 'reload') => {
    try {
      const r = await call<{ ok: boolean; state?: string; error?: { message: string } }>('POST', `/api/v1/services/${encodeURIComponent(name)}/${action}`);
      setMessage(r.ok ? { text: `${name}: ${action} done${r.state ? ` (${r.state})` : ''}`, error: false } : { text: `${name}: ${r.error?.message ?? `${action} failed`}`, error: true });
    } catch (e) {
      setMessage({ text: `${name}: ${(e as Error).message}`, error: true });
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

  const select = (key: keyof typeof filter, label: string, options: string[]) => (
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
    <section aria-label="Services">
      <div class="toolbar">
        <input type="search" placeholder="Search services" aria-label="Search services" value={filter.text} onInput={(e) => setFilter({ ...filter, text: (e.target as HTMLInputElement).value })} />
        {select('kind', 'Kind', ['service', 'sysv', 'inetd', 'timer'])}
        {select('state', 'State', ALL_STATES)}
        {select('enabled', 'Enabled now', ['true', 'false'])}
        {select('risk', 'Risk', ['high', 'medium', 'low'])}
        <span class="counts">
          {services.length} services{failed.length > 0 && <span class="badge failed" title={failed.map((f) => f.name).join(', ')}>{failed.length} failed</span>}
        </span>
      </div>
      <RunlevelSwitch current={runlevel} services={services} readOnly={props.readOnly} onSwitched={(text, error) => { setMessage({ text, error }); void reload(); }} />
      {message && (
        <p role="status" class={message.error ? 'error' : 'ok'}>
          {message.text}
        </p>
      )}
      {pending.size > 0 && (
        <div class="pending" role="region" aria-label="Pending changes">
          {pending.size} pending change{pending.size > 1 ? 's' : ''}
          <button type="button" onClick={save}>Save</button>
          <button type="button" onClick={() => setPending(new Map())}>Revert</button>
        </div>
      )}
      <div class="table-wrap">
      <table class="services">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col" class="opt">Kind</th>
            <th scope="col" class="wide">Description</th>
            <th scope="col">State</th>
            {LEVELS.map((l) => (
              <th scope="col" class="level" title={`runlevel ${l}`}>{l}</th>
            ))}
            <th scope="col" class="opt">Restarts</th>
            <th scope="col" class="opt">CPU</th>
            <th scope="col" class="opt">Memory</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {visible.map((s) => (
            <Row key={s.name} service={s} staged={pending.get(s.name)} info={catalog[s.name]} usage={usage[s.name]} readOnly={props.readOnly} handlers={handlers.current} />
          ))}
        </tbody>
      </table>
      </div>
      {selected && <ServiceDetail name={selected} catalog={catalog[selected]} onClose={() => setSelected(null)} />}
    </section>
  );
}

interface RowHandlers {
  act(name: string, action: 'start' | 'stop' | 'restart' | 'reload'): void;
  stageLevel(s: ServiceStatus, level: number): void;
  stageWhole(s: ServiceStatus): void;
  open(name: string): void;
}

interface RowProps {
  service: ServiceStatus;
  staged: boolean[] | boolean | undefined;
  info: CatalogInfo | undefined;
  usage: Usage | undefined;
  readOnly: boolean;
  handlers: RowHandlers;
}

/**
 * One service's row. It re-renders only when its own props change: with 1000
 * services, a state change of one of them or a keystroke in the pending bar
 * must not redraw the other 999.
 */
class Row extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    const p = this.props;
    return p.service !== next.service || p.staged !== next.staged || p.info !== next.info || p.usage !== next.usage || p.readOnly !== next.readOnly;
  }

  override render() {
    const { service: s, staged, info, usage: u, readOnly, handlers: h } = this.props;
    const levels = (staged as boolean[] | undefined) ?? s.levels;
    const risk = info?.risk;
    return (
      <tr class={staged !== undefined ? 'changed' : ''} data-service={s.name}>
        <th scope="row">
          <button type="button" class="link" onClick={() => h.open(s.name)}>{s.name}</button>
          {risk && risk !== 'low' && <span class={`badge risk-${risk}`} title={info!.riskReason}>{risk} risk</span>}
        </th>
        <td class="opt">{s.kind}</td>
        <td class="wide">{s.description || info?.description || ''}</td>
        <td>
          <span class={`state state-${s.state}`} data-state={s.state}>{s.state}</span>
        </td>
        {s.levels || s.kind !== 'inetd'
          ? LEVELS.map((l) => (
              <td class="level">
                {levels && <input type="checkbox" aria-label={`${s.name} in runlevel ${l}`} checked={levels[l]} disabled={readOnly} onChange={() => h.stageLevel(s, l)} />}
              </td>
            ))
          : (
              <td colSpan={7} class="level whole">
                <label>
                  <input type="checkbox" aria-label={`${s.name} on`} checked={(staged as boolean | undefined) ?? Boolean(s.enabled)} disabled={readOnly} onChange={() => h.stageWhole(s)} /> on wherever xinetd runs
                </label>
              </td>
            )}
        <td class="num opt">{s.restarts}</td>
        <td class="opt">{u && <Sparkline values={rates(u.cpu)} label={`${s.name} CPU`} format={(v) => `${(v * 100).toFixed(0)}%`} />}</td>
        <td class="opt">{u && <Sparkline values={u.mem} label={`${s.name} memory`} format={(v) => `${(v / 1048576).toFixed(1)} MiB`} />}</td>
        <td class="actions">
          {(['start', 'stop', 'restart', 'reload'] as const).map((a) => (
            <button type="button" disabled={readOnly} aria-label={`${a} ${s.name}`} onClick={() => h.act(s.name, a)}>
              {a}
            </button>
          ))}
        </td>
      </tr>
    );
  }
}

/** CPU seconds samples 5 s apart → share of a core. */
function rates(cpu: number[]): number[] {
  return cpu.slice(1).map((v, i) => Math.max(0, (v - cpu[i]!) / 5));
}
