import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { subscribe } from './api.js';
import { PRIORITY_NAMES, effectivePriority } from '../../model/log-priority.js';
import { formatTimestamp } from '../../model/time-format.js';

export interface LogLine {
  ts: number;
  stream: string;
  text: string;
  priority?: number;
}

const MAX_LINES = 1000;

/** The time and the stderr mark, as `hearth logs` writes them. */
export function logPrefix(l: LogLine): string {
  return `${formatTimestamp(l.ts, { millis: true })} ${l.stream === 'err' ? '[err]: ' : ''}`;
}

/**
 * A service's log as journalctl -f shows it: oldest at the top, newest at the
 * bottom, following new lines while the view is scrolled to the end (scroll up
 * to read, and it stays put). Coloured by priority, filtered by priority and text.
 */
export function LogView(props: { name: string }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [maxPriority, setMaxPriority] = useState(7);
  const [text, setText] = useState('');
  const box = useRef<HTMLDivElement>(null);
  const following = useRef(true);

  useEffect(() => {
    setLines([]);
    following.current = true;
    // A reconnection sends the last 200 lines again: start over rather than show them twice.
    return subscribe<LogLine>(`/api/v1/logs/follow?name=${encodeURIComponent(props.name)}&lines=200`, 'log', (r) => setLines((old) => [...old, r].slice(-MAX_LINES)), () => setLines([]));
  }, [props.name]);

  const needle = text.toLowerCase();
  const shown = lines.filter((l) => effectivePriority(l) <= maxPriority && (!needle || l.text.toLowerCase().includes(needle)));

  // Follow: after each change, stay at the bottom if we were there.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && following.current) el.scrollTop = el.scrollHeight;
  }, [shown.length, maxPriority, text]);

  const onScroll = () => {
    const el = box.current;
    if (el) following.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };

  return (
    <div class="logview">
      <div class="log-filters">
        <label>
          Priority
          <select aria-label="Log priority" value={String(maxPriority)} onChange={(e) => setMaxPriority(Number((e.target as HTMLSelectElement).value))}>
            <option value="7">all</option>
            {PRIORITY_NAMES.slice(0, 7).map((n, i) => (
              <option value={String(i)}>{i === 0 ? n : `${n} or higher`}</option>
            ))}
          </select>
        </label>
        <input type="search" placeholder="Filter lines" aria-label="Filter log lines" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        <span class="muted">
          {shown.length === lines.length ? `${lines.length} lines` : `${shown.length} of ${lines.length} lines`}
        </span>
      </div>
      <div class="log" ref={box} onScroll={onScroll} role="log" aria-label={`Log of ${props.name}`} data-log={props.name} tabIndex={0}>
        {shown.length === 0 && <div class="muted">{lines.length ? 'No line matches the filter.' : 'No output yet.'}</div>}
        {shown.map((l) => (
          <div class={`line prio-${effectivePriority(l)}${l.stream === 'err' ? ' stderr' : ''}`} data-priority={PRIORITY_NAMES[effectivePriority(l)]}>
            <span class="ts">{logPrefix(l)}</span>
            {l.text}
          </div>
        ))}
      </div>
    </div>
  );
}
