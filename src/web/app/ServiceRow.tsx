import { Component } from 'preact';
import type { ServiceStatus } from './api.js';
import { formatBytes } from '../../model/display.js';
import { Sparkline } from './Sparkline.js';
import type { CatalogInfo } from './ServicesView.js';

export const LEVELS = [0, 1, 2, 3, 4, 5, 6];
export type Action = 'start' | 'stop' | 'restart' | 'reload';
const ACTIONS: Action[] = ['start', 'stop', 'restart', 'reload'];

/** CPU and memory samples, 5 s apart; null where the service had no process. */
export interface Usage {
  cpu: Array<number | null>;
  mem: Array<number | null>;
}

export interface RowHandlers {
  act(name: string, action: Action): void;
  stageLevel(s: ServiceStatus, level: number): void;
  stageWhole(s: ServiceStatus): void;
  open(name: string): void;
}

interface RowProps {
  service: ServiceStatus;
  staged: boolean[] | boolean | undefined;
  info: CatalogInfo | undefined;
  usage: Usage | undefined;
  /** Why the service needs attention, shown under its state; undefined when it is fine. */
  trouble: string | undefined;
  busy: boolean;
  readOnly: boolean;
  handlers: RowHandlers;
}

/**
 * One service's row. It re-renders only when its own props change: with 1000
 * services, a state change of one of them or a keystroke in the pending bar
 * must not redraw the other 999. Its DOM stays the same across actions (no
 * button appears, vanishes or is disabled), so the focus stays where it was
 * and nothing moves.
 */
export class ServiceRow extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    const p = this.props;
    return (
      p.service !== next.service ||
      p.staged !== next.staged ||
      p.info !== next.info ||
      p.usage !== next.usage ||
      p.trouble !== next.trouble ||
      p.busy !== next.busy ||
      p.readOnly !== next.readOnly
    );
  }

  override render() {
    const { service: s, staged, info, usage: u, trouble, busy, readOnly, handlers: h } = this.props;
    const levels = (staged as boolean[] | undefined) ?? s.levels;
    const risk = info?.risk;
    const description = s.description || info?.description || '';
    return (
      <tr class={`${staged !== undefined ? 'changed' : ''}${trouble ? ' trouble' : ''}`} data-service={s.name} aria-busy={busy ? 'true' : undefined}>
        <th scope="row" class="name">
          <button type="button" class="link" onClick={() => h.open(s.name)}>{s.name}</button>
          {risk && risk !== 'low' && <span class={`badge risk-${risk}`} title={info!.riskReason}>{risk} risk</span>}
        </th>
        <td class="opt kind">
          {s.kind}
          {s.levelS && (
            <span class="badge boot" title="runs once at boot, in level S (Debian's rcS), before the default runlevel; stays in effect in levels 1–5">
              S
            </span>
          )}
        </td>
        <td class="wide desc" title={description}>{description}</td>
        <td class="state-cell">
          <span class={`state state-${s.state}`} data-state={s.state}>{s.state}</span>
          {trouble && <span class="why" data-why={s.name}>{trouble}</span>}
        </td>
        {s.levels || s.kind !== 'inetd'
          ? LEVELS.map((l) => (
              <td class="level" data-level={levels ? l : undefined}>
                {levels && <input type="checkbox" aria-label={`${s.name} in runlevel ${l}`} checked={levels[l]} disabled={readOnly} onChange={() => h.stageLevel(s, l)} />}
              </td>
            ))
          : (
              <td colSpan={7} class="level whole">
                <label>
                  <input type="checkbox" aria-label={`${s.name} on`} checked={(staged as boolean | undefined) ?? Boolean(s.enabled)} disabled={readOnly} onChange={() => h.stageWhole(s)} /> on while xinetd runs
                </label>
              </td>
            )}
        <td class="num opt restarts">{s.restarts}</td>
        <td class="num opt cpu">
          <Sparkline values={u ? rates(u.cpu) : []} label={`${s.name} CPU`} format={(v) => `${(v * 100).toFixed(0)}%`} />
        </td>
        <td class="num mem">
          <Sparkline values={u?.mem ?? []} label={`${s.name} memory`} format={formatBytes} />
        </td>
        <td class="actions">
          {ACTIONS.map((a) => (
            <button type="button" disabled={readOnly} aria-label={`${a} ${s.name}`} onClick={() => !busy && h.act(s.name, a)}>
              {a}
            </button>
          ))}
        </td>
      </tr>
    );
  }
}

/** CPU seconds samples 5 s apart → share of a core; no process, no value. */
function rates(cpu: Array<number | null>): Array<number | null> {
  return cpu.slice(1).map((v, i) => (v === null || cpu[i] === null ? null : Math.max(0, (v - cpu[i]!) / 5)));
}
