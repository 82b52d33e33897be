import { useState } from 'preact/hooks';
import { call, type ServiceStatus } from './api.js';
import { isUpState } from '../../model/state.js';


/** Pick a runlevel, see what would stop and start, then switch (as `hearth init N`). */
export function RunlevelSwitch(props: { current: number | null; services: ServiceStatus[]; readOnly: boolean; onSwitched(text: string, error: boolean): void }) {
  const [target, setTarget] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const units = props.services.filter((s) => s.levels);
  const stop = target === null ? [] : units.filter((s) => isUpState(s.state) && !s.levels![target]).map((s) => s.name);
  const start = target === null ? [] : units.filter((s) => !isUpState(s.state) && s.levels![target]).map((s) => s.name);
  const go = async () => {
    if (target === null) return;
    setBusy(true);
    try {
      const r = await call<{ failed: Array<{ name: string; error: string }> }>('POST', '/api/v1/init', { level: target, block: true });
      props.onSwitched(r.failed.length ? `Runlevel ${target}: ${r.failed.map((f) => `${f.name}: ${f.error}`).join('; ')}` : `Now in runlevel ${target}.`, r.failed.length > 0);
      setTarget(null);
    } catch (e) {
      props.onSwitched((e as Error).message, true);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="runlevel">
      <span>Runlevel {props.current ?? 'unknown'}</span>
      <label>
        Switch to
        <select value={target ?? ''} disabled={props.readOnly} onChange={(e) => setTarget((e.target as HTMLSelectElement).value === '' ? null : Number((e.target as HTMLSelectElement).value))}>
          <option value="">—</option>
          {[0, 1, 2, 3, 4, 5, 6].filter((l) => l !== props.current).map((l) => (
            <option value={l}>{l}</option>
          ))}
        </select>
      </label>
      {target !== null && (
        <div class="preview" role="region" aria-label="Runlevel switch preview">
          <p>
            Stops: {stop.length ? stop.join(', ') : 'nothing'}. Starts: {start.length ? start.join(', ') : 'nothing'}.
          </p>
          <button type="button" disabled={busy} onClick={go}>Switch to {target}</button>
          <button type="button" onClick={() => setTarget(null)}>Cancel</button>
        </div>
      )}
    </div>
  );
}
