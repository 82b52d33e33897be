import { useEffect, useRef, useState } from 'preact/hooks';
import { call, type ServiceStatus } from './api.js';
import type { CatalogInfo } from './ServicesView.js';
import { LogView } from './LogView.js';
import { describeExit, formatBytes } from '../../model/display.js';
import { formatDuration, formatRelative, formatTimestamp } from '../../model/time-format.js';
import { isRunningState } from '../../model/state.js';

interface Detail extends ServiceStatus {
  extra?: Record<string, unknown>;
}

const cpuText = (seconds: number) => formatDuration(seconds * 1000, { precise: true });

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
          <code>{n.pid}</code> {n.command} <span class="muted">uid {n.uid}, {formatBytes(n.rssBytes)}, CPU {cpuText(n.cpuSeconds)}</span>
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

/** One service: its settings and state, pool workers, connection counters, and its log as it grows. */
export function ServiceDetail(props: { name: string; catalog: CatalogInfo | undefined; onClose(): void }) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState('');
  const [procs, setProcs] = useState<Proc[]>([]);
  const [findings, setFindings] = useState<Finding[]>([]);
  const dialog = useRef<HTMLDivElement>(null);

  // Closing gives the focus back to what opened the panel (the service's name in the list).
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    return () => opener?.focus();
  }, []);

  useEffect(() => {
    const load = () => {
      call<Detail>('GET', `/api/v1/services/${encodeURIComponent(props.name)}`).then(setDetail, (e: Error) => setError(e.message));
      call<Proc[]>('GET', `/api/processes/${encodeURIComponent(props.name)}`).then(setProcs, () => setProcs([]));
    };
    call<{ findings: Finding[] }>('GET', '/api/v1/audit').then((r) => setFindings(r.findings.filter((f) => f.service === props.name)), () => undefined);
    void load();
    const timer = setInterval(load, 3000);
    dialog.current?.focus();
    return () => clearInterval(timer);
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
            <span class={`state state-${detail.state}`}>{detail.state}</span>
            {detail.detail ? ` (${detail.detail})` : ''}
            {isRunningState(detail.state) && detail.startedAt !== null && (
              <span class="muted"> since {formatTimestamp(detail.startedAt)}, {formatRelative(detail.startedAt, Date.now())}</span>
            )}
          </dd>
          {(detail.errors ?? []).map((e) => (
            <>
              <dt>Error</dt>
              <dd class="error">{e}</dd>
            </>
          ))}
          <dt>PID</dt>
          <dd>{detail.pid ?? '–'}</dd>
          <dt>Memory</dt>
          <dd>{detail.pid !== null && detail.memoryBytes !== undefined ? formatBytes(detail.memoryBytes) : '–'}</dd>
          <dt>CPU</dt>
          <dd>{detail.pid !== null && detail.cpuSeconds !== undefined ? cpuText(detail.cpuSeconds) : '–'}</dd>
          <dt>Restarts</dt>
          <dd>{detail.restarts}</dd>
          <dt>Last exit</dt>
          <dd>{detail.lastExit ? `${describeExit(detail.lastExit)}, ${formatTimestamp(detail.lastExit.at)} (${formatRelative(detail.lastExit.at, Date.now())})` : '–'}</dd>
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
      <h3>Log</h3>
      <LogView name={props.name} />
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
                <td>{formatDuration(w.ageMs)}</td>
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
    </div>
  );
}
