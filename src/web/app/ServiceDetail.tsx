import { useEffect, useRef, useState } from 'preact/hooks';
import { call, subscribe, type ServiceStatus } from './api.js';
import type { CatalogInfo } from './ServicesView.js';

interface Detail extends ServiceStatus {
  recentLogs: LogLine[];
  extra?: Record<string, unknown>;
}

interface LogLine {
  ts: number;
  stream: string;
  text: string;
}

interface Proc {
  pid: number;
  uid: number;
  command: string;
  rssBytes: number;
  cpuSeconds: number;
  children: Proc[];
}

interface Finding {
  severity: string;
  service?: string;
  title: string;
  fix: string;
}

function ProcessList(props: { nodes: Proc[] }) {
  return (
    <ul class="procs">
      {props.nodes.map((n) => (
        <li>
          <code>{n.pid}</code> {n.command} <span class="muted">uid {n.uid}, {(n.rssBytes / 1048576).toFixed(1)} MiB, {n.cpuSeconds.toFixed(2)} s</span>
          {n.children.length > 0 && <ProcessList nodes={n.children} />}
        </li>
      ))}
    </ul>
  );
}

interface Worker {
  pid: number;
  generation: number;
  state: string;
  idle: boolean;
  ageMs: number;
}

const MAX_LINES = 500;

/** One service: its settings and state, pool workers, connection counters, and its log as it grows. */
export function ServiceDetail(props: { name: string; catalog: CatalogInfo | undefined; onClose(): void }) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState('');
  const [lines, setLines] = useState<LogLine[]>([]);
  const [procs, setProcs] = useState<Proc[]>([]);
  const [findings, setFindings] = useState<Finding[]>([]);
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const load = () => {
      call<Detail>('GET', `/api/v1/services/${encodeURIComponent(props.name)}`).then(setDetail, (e: Error) => setError(e.message));
      call<Proc[]>('GET', `/api/processes/${encodeURIComponent(props.name)}`).then(setProcs, () => setProcs([]));
    };
    call<{ findings: Finding[] }>('GET', '/api/v1/audit').then((r) => setFindings(r.findings.filter((f) => f.service === props.name)), () => undefined);
    void load();
    const timer = setInterval(load, 3000);
    setLines([]);
    const stop = subscribe<LogLine>(`/api/v1/logs/follow?name=${encodeURIComponent(props.name)}&lines=100`, 'log', (r) => setLines((old) => [...old, r].slice(-MAX_LINES)));
    dialog.current?.focus();
    return () => {
      clearInterval(timer);
      stop();
    };
  }, [props.name]);

  const workers = Array.isArray(detail?.extra?.workers) ? (detail!.extra!.workers as Worker[]) : [];
  const counters = detail?.extra && !Array.isArray(detail.extra.workers) ? Object.entries(detail.extra).filter(([, v]) => typeof v !== 'object' || v === null) : [];
  const settings = detail?.extra?.settings && typeof detail.extra.settings === 'object' ? Object.entries(detail.extra.settings as Record<string, unknown>) : [];
  return (
    <div class="detail" role="dialog" aria-modal="true" aria-label={`Service ${props.name}`} tabIndex={-1} ref={dialog} onKeyDown={(e) => e.key === 'Escape' && props.onClose()}>
      <div class="detail-head">
        <h2>{props.name}</h2>
        <button type="button" onClick={props.onClose}>Close</button>
      </div>
      {error && <p role="alert" class="error">{error}</p>}
      {props.catalog && (
        <p>
          {props.catalog.description} <span class={`badge risk-${props.catalog.risk}`}>{props.catalog.risk} risk</span> <span class="muted">{props.catalog.riskReason}</span>
        </p>
      )}
      {detail && (
        <dl class="facts">
          <dt>State</dt>
          <dd>
            {detail.state}
            {detail.detail ? ` (${detail.detail})` : ''}
          </dd>
          <dt>PID</dt>
          <dd>{detail.pid ?? '–'}</dd>
          <dt>Memory</dt>
          <dd>{detail.memoryBytes !== undefined ? `${(detail.memoryBytes / 1048576).toFixed(1)} MiB` : '–'}</dd>
          <dt>CPU</dt>
          <dd>{detail.cpuSeconds !== undefined ? `${detail.cpuSeconds.toFixed(2)} s` : '–'}</dd>
          <dt>Restarts</dt>
          <dd>{detail.restarts}</dd>
          <dt>Last exit</dt>
          <dd>{detail.lastExit ? (detail.lastExit.signal ?? `code ${detail.lastExit.code}`) : '–'}</dd>
          <dt>Source</dt>
          <dd>{detail.source}</dd>
          {counters.map(([k, v]) => (
            <>
              <dt>{k}</dt>
              <dd>{String(v)}</dd>
            </>
          ))}
        </dl>
      )}
      {workers.length > 0 && (
        <table class="workers">
          <caption>Workers</caption>
          <thead>
            <tr>
              <th scope="col">PID</th>
              <th scope="col">Generation</th>
              <th scope="col">State</th>
              <th scope="col">Age</th>
            </tr>
          </thead>
          <tbody>
            {workers.map((w) => (
              <tr>
                <td>{w.pid}</td>
                <td>{w.generation}</td>
                <td>{w.state === 'ready' && w.idle ? 'idle' : w.state}</td>
                <td>{Math.round(w.ageMs / 1000)} s</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {settings.length > 0 && (
        <>
          <h3>Settings</h3>
          <dl class="facts settings">
            {settings.map(([k, v]) => (
              <>
                <dt>{k}</dt>
                <dd>{typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)}</dd>
              </>
            ))}
          </dl>
        </>
      )}
      <h3>Processes</h3>
      {procs.length ? <ProcessList nodes={procs} /> : <p class="muted">none running</p>}
      {findings.length > 0 && (
        <>
          <h3>Audit findings</h3>
          <ul>
            {findings.map((f) => (
              <li>
                <span class={`badge sev-${f.severity}`}>{f.severity}</span> {f.title}. <span class="muted">Fix: {f.fix}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Log</h3>
      <pre class="log" aria-live="polite" data-log={props.name}>
        {lines.map((l) => `${new Date(l.ts).toLocaleTimeString()} ${l.stream === 'err' ? '! ' : ''}${l.text}\n`).join('')}
      </pre>
    </div>
  );
}
