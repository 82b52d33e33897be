import { RISK_LEGEND, changed, visible, type Item, type TuiState } from './model.js';

/**
 * State → screen. Pure: the same state and size always give the same lines,
 * each exactly `width` columns of text (escape codes aside), `height` lines.
 */

export type Style = 'root' | 'screen' | 'window' | 'title' | 'cursor' | 'button' | 'focus' | 'dim' | 'heading' | 'good' | 'bad' | 'warn' | 'help';

export interface Look {
  /** Colours allowed (NO_COLOR and TERM=dumb say no); reverse video is always used for the cursor. */
  color: boolean;
  /** Box-drawing characters (UTF-8 locale), else ASCII. */
  unicode: boolean;
}

type Segment = { text: string; style?: Style };
type Line = Segment[];

// newt's palette: a blue root, a light grey window. Every style used inside the
// window sets the window's background too, so no cell shows the terminal's own.
const SGR_COLOR: Record<Style, string> = {
  root: '1;37;44',
  screen: '37;44',
  window: '30;47',
  title: '1;31;47',
  cursor: '1;37;44',
  button: '30;47',
  focus: '1;37;41',
  dim: '2;30;47',
  heading: '1;30;47',
  good: '32;47',
  bad: '1;31;47',
  warn: '35;47',
  help: '30;46',
};
const SGR_PLAIN: Partial<Record<Style, string>> = { cursor: '7', focus: '7', title: '1', bad: '1', root: '1', heading: '1' };

const BOX_UNICODE = { tl: '┌', tr: '┐', bl: '└', br: '┘', h: '─', v: '│', bar: '▒', thumb: '█' };
const BOX_ASCII = { tl: '+', tr: '+', bl: '+', br: '+', h: '-', v: '|', bar: ':', thumb: '#' };

function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text + ' '.repeat(width - chars.length);
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

function len(line: Line): number {
  return line.reduce((n, s) => n + [...s.text].length, 0);
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = '';
    }
    line = line ? `${line} ${word}` : word.slice(0, width);
  }
  if (line) out.push(line);
  return out.length ? out : [''];
}

/** The list's height for a terminal of this many rows (what the reducer pages by). */
export function listHeight(height: number): number {
  // Root line, window top, prompt, blank, [list], blank, buttons, window bottom, filter line, help line.
  return Math.max(1, height - 10);
}

const STATE_STYLE: Partial<Record<Item['state'], Style>> = { running: 'good', failed: 'bad', broken: 'bad', backoff: 'warn', starting: 'warn', stopping: 'warn' };

const KIND_LABEL: Record<Item['group'], string> = { sysv: 'sysv', systemd: 'systemd', service: 'native', inetd: 'xinetd' };
export function render(s: TuiState, width: number, height: number, look: Look): string[] {
  const box = look.unicode ? BOX_UNICODE : BOX_ASCII;
  const lines: Line[] = [];
  const levelText = s.levels.join('');
  lines.push([{ text: ` hearth ntsysv - which services start automatically in runlevel${s.levels.length > 1 ? 's' : ''} ${levelText}`, style: 'root' }]);

  const inner = Math.max(20, Math.min(width - 4, 76)) - 2;
  const left = Math.max(0, Math.floor((width - inner - 2) / 2));
  const pad: Segment = { text: ' '.repeat(left), style: 'screen' };
  const rowsForList = listHeight(height);
  const items = visible(s);

  const framed = (content: Line): Line => {
    const fill = Math.max(0, inner - len(content));
    return [pad, { text: box.v, style: 'window' }, ...content, { text: ' '.repeat(fill), style: 'window' }, { text: box.v, style: 'window' }];
  };
  const title = ' Services ';
  const side = Math.max(0, inner - title.length);
  lines.push([pad, { text: box.tl + box.h.repeat(Math.floor(side / 2)), style: 'window' }, { text: title, style: 'title' }, { text: box.h.repeat(Math.ceil(side / 2)) + box.tr, style: 'window' }]);
  lines.push(framed([{ text: fit(' What services should be automatically started?', inner), style: 'window' }]));

  // Columns: checkbox and name, state, kind (when there is room), risk; a scrollbar on the right.
  const showKind = inner >= 50;
  const fixed = 5 + 10 + (showKind ? 8 : 0) + 5 + 1;
  const nameWidth = Math.max(4, inner - fixed);
  const columns = (name: string, state: string, kind: string, risk: string) => `${fit(name, nameWidth)}${fit(state, 10)}${showKind ? fit(kind, 8) : ''}${fit(risk, 5)}`;
  // A heading row that stays put: the group of a row is in its own Kind column, not above the cursor.
  lines.push(framed([{ text: fit(`     ${columns('Name', 'State', 'Kind', 'Risk')}`, inner), style: 'heading' }]));

  const scrollable = items.length > rowsForList;
  for (let row = 0; row < rowsForList; row++) {
    const item = items[s.scroll + row];
    const bar: Segment = scrollable ? { text: thumbAt(row, rowsForList, s.scroll, items.length) ? box.thumb : box.bar, style: 'window' } : { text: ' ', style: 'window' };
    if (!item) {
      lines.push(framed([{ text: fit(row === 0 && items.length === 0 ? ' (nothing matches the search)' : '', inner - 1), style: 'window' }, bar]));
      continue;
    }
    const here = s.scroll + row === s.cursor && s.focus === 'list';
    const mark = item.checked ? '[*]' : '[ ]';
    const risk = item.risk === 'high' ? 'RISK' : item.risk === 'medium' ? 'risk' : '';
    const cells: Line = [
      { text: ` ${mark} ${fit(item.name, nameWidth)}`, style: here ? 'cursor' : 'window' },
      { text: fit(item.state, 10), style: here ? 'cursor' : (STATE_STYLE[item.state] ?? 'window') },
      ...(showKind ? [{ text: fit(KIND_LABEL[item.group], 8), style: here ? 'cursor' : 'dim' } as Segment] : []),
      { text: fit(risk, 5), style: here ? 'cursor' : item.risk === 'high' ? 'bad' : item.risk === 'medium' ? 'warn' : 'window' },
    ];
    const used = len(cells);
    lines.push(framed([...cells, { text: ' '.repeat(Math.max(0, inner - 1 - used)), style: here ? 'cursor' : 'window' }, bar]));
  }

  const pending = changed(s).length;
  const anyRisk = s.items.some((i) => i.risk === 'high' || i.risk === 'medium');
  lines.push(framed([{ text: fit(pending ? ` ${pending} change(s) to save` : anyRisk ? ` ${RISK_LEGEND}` : '', inner), style: 'dim' }]));
  const ok = '   Ok   ';
  const cancel = s.back ? '  Back  ' : ' Cancel ';
  const gap = Math.max(1, Math.floor((inner - ok.length - cancel.length) / 3));
  lines.push(
    framed([
      { text: ' '.repeat(gap), style: 'window' },
      { text: ok, style: s.focus === 'ok' ? 'focus' : 'button' },
      { text: ' '.repeat(gap), style: 'window' },
      { text: cancel, style: s.focus === 'cancel' ? 'focus' : 'button' },
    ]),
  );
  lines.push([pad, { text: box.bl + box.h.repeat(inner) + box.br, style: 'window' }]);

  const filterLine = s.searching || s.filter ? ` Search: ${s.filter}${s.searching ? '_' : ''}  (Enter keeps it, Esc clears it)` : (s.message ?? '');
  while (lines.length < height - 2) lines.push([]);
  lines.push([{ text: fit(filterLine, width), style: 'screen' }]);
  lines.push([{ text: fit(' F1 help  Space toggle  Tab buttons  / search  s t r start stop restart  F12 Ok', width), style: 'help' }]);

  if (s.popup) overlay(lines, popupLines(s, Math.min(width - 6, 60), box), width, height);
  return lines.slice(0, height).map((l) => paint(l, width, look, 'screen'));
}

function thumbAt(row: number, rows: number, scroll: number, total: number): boolean {
  const pos = Math.round((scroll / Math.max(1, total - rows)) * (rows - 1));
  return row === pos;
}

function popupLines(s: TuiState, w: number, box: typeof BOX_UNICODE): Line[] {
  const p = s.popup!;
  const inner = w - 2;
  const body = p.kind === 'help' ? p.text.split('\n').flatMap((para) => wrap(para, inner - 2)) : [`${p.action[0]!.toUpperCase()}${p.action.slice(1)} ${p.name} now?`];
  const title = p.kind === 'help' ? ` ${p.title} ` : ' Confirm ';
  const side = Math.max(0, inner - [...title].length);
  const out: Line[] = [[{ text: box.tl + box.h.repeat(Math.floor(side / 2)), style: 'window' }, { text: title, style: 'title' }, { text: box.h.repeat(Math.ceil(side / 2)) + box.tr, style: 'window' }]];
  const row = (text: string, style: Style = 'window'): Line => [{ text: box.v, style: 'window' }, { text: fit(` ${text}`, inner), style }, { text: box.v, style: 'window' }];
  out.push(row(''));
  for (const l of body) out.push(row(l));
  out.push(row(''));
  out.push(row(p.kind === 'help' ? 'Press any key to close' : 'y = yes, any other key = no', 'dim'));
  out.push([{ text: box.bl + box.h.repeat(inner) + box.br, style: 'window' }]);
  return out;
}

function overlay(lines: Line[], box: Line[], width: number, height: number): void {
  const top = Math.max(1, Math.floor((height - box.length) / 2));
  const left = Math.max(0, Math.floor((width - len(box[0]!)) / 2));
  box.forEach((b, i) => {
    // Left of the popup the screen stays as it was: the popup covers, it does not blank.
    if (top + i < lines.length - 1) lines[top + i] = [...cut(lines[top + i]!, left), ...b, ...rest(lines[top + i]!, left + len(b))];
  });
}

/** The first `width` columns of a line, styles kept. */
function cut(line: Line, width: number): Line {
  const out: Line = [];
  let used = 0;
  for (const seg of line) {
    if (used >= width) break;
    const chars = [...seg.text].slice(0, width - used);
    out.push({ ...seg, text: chars.join('') });
    used += chars.length;
  }
  if (used < width) out.push({ text: ' '.repeat(width - used), style: 'screen' });
  return out;
}

/** A line from column `from` on, styles kept. */
function rest(line: Line, from: number): Line {
  const out: Line = [];
  let at = 0;
  for (const seg of line) {
    const chars = [...seg.text];
    const skip = Math.max(0, from - at);
    if (skip < chars.length) out.push({ ...seg, text: chars.slice(skip).join('') });
    at += chars.length;
  }
  return out;
}

/** Pads or cuts a line to exactly `width` columns (padding in `fill`'s style), then adds the styles' escape codes. */
function paint(line: Line, width: number, look: Look, fill: Style): string {
  let out = '';
  let used = 0;
  for (const seg of line) {
    if (used >= width) break;
    const chars = [...seg.text];
    const text = chars.slice(0, width - used).join('');
    used += Math.min(chars.length, width - used);
    out += styled(text, seg.style, look);
  }
  if (used < width) out += styled(' '.repeat(width - used), fill, look);
  return out;
}

function styled(text: string, style: Style | undefined, look: Look): string {
  const code = style ? (look.color ? SGR_COLOR[style] : SGR_PLAIN[style]) : undefined;
  return code ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** The visible text of a rendered line (tests, and width checks). */
export function stripStyles(line: string): string {
  return line.replace(/\x1b\[[0-9;]*m/g, '');
}
