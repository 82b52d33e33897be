import { HearthError } from '../errors/index.js';

/**
 * at(1)'s time specifications, the common subset: "now", "now + 5 minutes",
 * "HH:MM" (today, or tomorrow once it has passed), "noon", "midnight",
 * "teatime" (16:00), each optionally followed by "today" or "tomorrow", and
 * ISO dates ("2026-12-24 18:00", "2026-12-24T18:00:00").
 */
export function parseAtTime(text: string, now: Date): Date {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  const bad = () =>
    new HearthError('ERR_USAGE', `cannot read the time "${text}"`, {
      hint: 'now | now + N minutes|hours|days|weeks | HH:MM | noon | midnight | teatime [today|tomorrow] | YYYY-MM-DD HH:MM',
    });

  const rel = /^now(?: ?\+ ?(\d+) ?(min|mins|minute|minutes|hour|hours|day|days|week|weeks))?$/.exec(t);
  if (rel) {
    if (!rel[1]) return new Date(now.getTime());
    const n = Number(rel[1]);
    const unit = rel[2]!.startsWith('min') ? 60_000 : rel[2]!.startsWith('hour') ? 3_600_000 : rel[2]!.startsWith('day') ? 86_400_000 : 7 * 86_400_000;
    return new Date(now.getTime() + n * unit);
  }

  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[ t](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  if (iso) {
    const d = new Date(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]), Number(iso[4] ?? 0), Number(iso[5] ?? 0), Number(iso[6] ?? 0));
    if (Number.isNaN(d.getTime()) || d.getMonth() !== Number(iso[2]) - 1) throw bad();
    return d;
  }

  const m = /^(noon|midnight|teatime|(\d{1,2}):(\d{2}))(?: (today|tomorrow))?$/.exec(t);
  if (!m) throw bad();
  const [hour, minute] = m[1] === 'noon' ? [12, 0] : m[1] === 'midnight' ? [0, 0] : m[1] === 'teatime' ? [16, 0] : [Number(m[2]), Number(m[3])];
  if (hour > 23 || minute > 59) throw bad();
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate(), hour, minute, 0);
  if (m[4] === 'tomorrow') d.setDate(d.getDate() + 1);
  // A bare time that has passed today means tomorrow, as at(1) reads it.
  else if (m[4] === undefined && d.getTime() <= now.getTime()) d.setDate(d.getDate() + 1);
  return d;
}
