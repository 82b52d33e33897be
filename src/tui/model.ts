import type { ServiceState, ServiceStatus } from '../model/index.js';
import type { Key } from './keys.js';

/** What ntsysv lists: a unit that starts per runlevel, or an xinetd service that is on or off as a whole. */
export interface Item {
  name: string;
  group: 'sysv' | 'systemd' | 'service' | 'inetd';
  description: string;
  state: ServiceState;
  risk?: 'low' | 'medium' | 'high';
  /** Why the catalog rates it so. */
  riskReason?: string;
  /** The box as loaded: on in any of the edited levels (as ntsysv shows it), or enabled (xinetd). */
  initial: boolean;
  checked: boolean;
}

export type Popup = { kind: 'help'; title: string; text: string } | { kind: 'confirm'; action: 'start' | 'stop' | 'restart'; name: string };

export interface TuiState {
  items: Item[];
  /** Runlevels being edited, e.g. [2, 3, 4, 5]. */
  levels: number[];
  /** Index into visible(state). */
  cursor: number;
  /** First visible row of the list window. */
  scroll: number;
  focus: 'list' | 'ok' | 'cancel';
  /** null: not filtering; a string: the search text (typing goes into it while `searching`). */
  filter: string;
  searching: boolean;
  popup: Popup | null;
  back: boolean;
  /** Set when the form is done. */
  result?: 'ok' | 'cancel';
  /** A one-line message at the bottom (an action's outcome). */
  message?: string;
  /** Rows the list shows at once, from the terminal height. */
  pageSize: number;
}

/** Something the driver must do for the reducer: start/stop/restart a service now. */
export type Effect = { type: 'action'; action: 'start' | 'stop' | 'restart'; name: string };

const GROUP_ORDER: Record<Item['group'], number> = { sysv: 0, systemd: 1, service: 2, inetd: 3 };
/** What the risk column means: at the foot of the window and in F1. */
export const RISK_LEGEND = 'RISK = high risk, risk = medium (hearth catalog); F1 says why';

/** Builds the list from the daemon's services: the super-server itself is a unit like the others. */
export function itemsFrom(
  services: ServiceStatus[],
  levels: number[],
  risk: (name: string) => Item['risk'],
  describe: (name: string) => string,
  riskReason: (name: string) => string | undefined = () => undefined,
): Item[] {
  const items: Item[] = [];
  for (const s of services) {
    if (s.state === 'broken') continue;
    const perLevel = s.levels !== undefined;
    if (!perLevel && s.kind !== 'inetd') continue;
    const on = perLevel ? levels.some((l) => s.levels![l]) : Boolean(s.enabled);
    const group: Item['group'] = perLevel ? (s.kind === 'sysv' || s.kind === 'systemd' ? s.kind : 'service') : 'inetd';
    const r = risk(s.name);
    const why = r && r !== 'low' ? riskReason(s.name) : undefined;
    items.push({ name: s.name, group, description: s.description || describe(s.name), state: s.state, ...(r ? { risk: r } : {}), ...(why ? { riskReason: why } : {}), initial: on, checked: on });
  }
  return items.sort((a, b) => GROUP_ORDER[a.group] - GROUP_ORDER[b.group] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function initialState(items: Item[], levels: number[], back: boolean, pageSize: number): TuiState {
  return { items, levels, cursor: 0, scroll: 0, focus: 'list', filter: '', searching: false, popup: null, back, pageSize: Math.max(1, pageSize) };
}

/** The items the filter lets through, in list order. */
export function visible(s: TuiState): Item[] {
  const f = s.filter.toLowerCase();
  return f ? s.items.filter((i) => i.name.toLowerCase().includes(f) || i.description.toLowerCase().includes(f)) : s.items;
}

export function changed(s: TuiState): Item[] {
  return s.items.filter((i) => i.checked !== i.initial);
}

function clampCursor(s: TuiState): TuiState {
  const n = visible(s).length;
  const cursor = Math.max(0, Math.min(s.cursor, n - 1));
  let scroll = Math.min(s.scroll, cursor);
  if (cursor >= scroll + s.pageSize) scroll = cursor - s.pageSize + 1;
  return { ...s, cursor: Math.max(0, cursor), scroll: Math.max(0, Math.min(scroll, Math.max(0, n - s.pageSize))) };
}

/** The current state with the list resized (terminal resize). */
export function resize(s: TuiState, pageSize: number): TuiState {
  return clampCursor({ ...s, pageSize: Math.max(1, pageSize) });
}

/** Applies one key. Pure: the driver renders the new state and carries out the effect, if any. */
export function reduce(s: TuiState, key: Key): { state: TuiState; effect?: Effect } {
  if (s.result) return { state: s };
  if (key === 'ctrl-c') return { state: { ...s, result: 'cancel' } };

  if (s.popup) {
    if (s.popup.kind === 'confirm') {
      const yes = typeof key === 'object' && (key.char === 'y' || key.char === 'Y');
      if (yes) return { state: { ...s, popup: null, message: `${s.popup.action} ${s.popup.name}…` }, effect: { type: 'action', action: s.popup.action, name: s.popup.name } };
      return { state: { ...s, popup: null } };
    }
    // Any key closes a help window, as newt's message box does.
    return { state: { ...s, popup: null } };
  }

  if (s.searching) {
    if (key === 'enter' || key === 'esc' || key === 'down' || key === 'up' || key === 'tab') {
      const next = { ...s, searching: false, ...(key === 'esc' ? { filter: '' } : {}) };
      return { state: clampCursor(next) };
    }
    if (key === 'backspace') return { state: clampCursor({ ...s, filter: s.filter.slice(0, -1), cursor: 0, scroll: 0 }) };
    if (key === 'space') return { state: clampCursor({ ...s, filter: `${s.filter} `, cursor: 0, scroll: 0 }) };
    if (typeof key === 'object') return { state: clampCursor({ ...s, filter: s.filter + key.char, cursor: 0, scroll: 0 }) };
    return { state: s };
  }

  const items = visible(s);
  const current = items[s.cursor];
  switch (key) {
    case 'f12':
      return { state: { ...s, result: 'ok' } };
    case 'esc':
      if (s.filter) return { state: clampCursor({ ...s, filter: '' }) };
      return { state: { ...s, result: 'cancel' } };
    case 'tab':
      return { state: { ...s, focus: s.focus === 'list' ? 'ok' : s.focus === 'ok' ? 'cancel' : 'list' } };
    case 'backtab':
      return { state: { ...s, focus: s.focus === 'list' ? 'cancel' : s.focus === 'cancel' ? 'ok' : 'list' } };
    case 'left':
    case 'right':
      if (s.focus === 'list') return { state: s };
      return { state: { ...s, focus: s.focus === 'ok' ? 'cancel' : 'ok' } };
    case 'enter':
      if (s.focus === 'ok') return { state: { ...s, result: 'ok' } };
      if (s.focus === 'cancel') return { state: { ...s, result: 'cancel' } };
      return { state: toggle(s, current) };
    case 'space':
      if (s.focus !== 'list') return reduce(s, 'enter');
      return { state: toggle(s, current) };
    case 'up':
      return { state: clampCursor({ ...s, focus: 'list', cursor: s.cursor - 1 }) };
    case 'down':
      return { state: clampCursor({ ...s, focus: 'list', cursor: s.cursor + 1 }) };
    case 'pgup':
      return { state: clampCursor({ ...s, cursor: s.cursor - s.pageSize, scroll: s.scroll - s.pageSize }) };
    case 'pgdn':
      return { state: clampCursor({ ...s, cursor: s.cursor + s.pageSize, scroll: s.scroll + s.pageSize }) };
    case 'home':
      return { state: clampCursor({ ...s, cursor: 0 }) };
    case 'end':
      return { state: clampCursor({ ...s, cursor: items.length - 1 }) };
    case 'f1':
      if (!current) return { state: s };
      return { state: { ...s, popup: { kind: 'help', title: current.name, text: helpText(current) } } };
    default:
      break;
  }
  if (typeof key === 'object') {
    if (key.char === '/') return { state: { ...s, searching: true, focus: 'list' } };
    const action = ({ s: 'start', t: 'stop', r: 'restart' } as const)[key.char as 's' | 't' | 'r'];
    if (action && current && s.focus === 'list') return { state: { ...s, popup: { kind: 'confirm', action, name: current.name } } };
  }
  return { state: s };
}

/** F1: the description, then, for a risky daemon, why it is marked and what the marks mean. */
function helpText(item: Item): string {
  const text = item.description || 'No description.';
  if (item.risk !== 'high' && item.risk !== 'medium') return text;
  const mark = item.risk === 'high' ? 'RISK' : 'risk';
  return `${text}\n\n${mark}: ${item.risk} risk${item.riskReason ? `: ${item.riskReason}` : ''}.\n${RISK_LEGEND.replace(/; F1 says why$/, '')}.`;
}

function toggle(s: TuiState, item: Item | undefined): TuiState {
  if (!item) return s;
  return { ...s, items: s.items.map((i) => (i === item ? { ...i, checked: !i.checked } : i)) };
}

/** A live state change from the daemon. */
export function withState(s: TuiState, name: string, state: ServiceState): TuiState {
  if (!s.items.some((i) => i.name === name && i.state !== state)) return s;
  return { ...s, items: s.items.map((i) => (i.name === name ? { ...i, state } : i)) };
}
