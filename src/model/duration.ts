const UNITS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
const WHOLE = /^(?:\d+(?:\.\d+)?\s*(?:ms|sec|s|min|m|h|d)\s*)+$/;
const PART = /(\d+(?:\.\d+)?)\s*(ms|sec|s|min|m|h|d)/g;

/**
 * Parses "500ms", "10s", "1.5m", "2h", "1h 30min" into milliseconds. A bare number
 * is seconds, as in systemd. Returns undefined for anything else so the caller can
 * name the file, line and key in its error.
 */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? Math.round(text * 1000) : undefined;
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (!WHOLE.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(PART)) total += Number(m[1]) * UNITS[m[2]!]!;
  return Math.round(total);
}

// Writing durations back out is time-format.ts's job (one format for CLI, TUI and GUI).
