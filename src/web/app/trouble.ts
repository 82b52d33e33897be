import type { ServiceStatus } from '../../model/state.js';
import { describeExit, exitedCleanly } from '../../model/display.js';
import { formatDuration } from '../../model/time-format.js';

/** A service that crashed within this long and was restarted still counts as crash-looping while it runs. */
export const CRASH_LOOP_WINDOW_MS = 60_000;

/** When the service last crashed, from its last exit, if that was a crash that led to a restart. */
export function crashedAt(s: ServiceStatus): number | undefined {
  return s.lastExit && !exitedCleanly(s.lastExit) && s.restarts > 0 ? s.lastExit.at : undefined;
}

/**
 * Why a service needs attention, in a few words for the list, or undefined
 * when it is fine: a broken definition's first error, a failure's reason, a
 * restart backoff, or a service that keeps crashing even while it happens to
 * be up at this moment.
 */
export function troubleOf(s: ServiceStatus, lastCrash: number | undefined, now: number): string | undefined {
  if (s.state === 'broken') return s.errors?.[0] ?? 'the definition has errors';
  if (s.state === 'failed') return s.detail ?? (s.lastExit ? describeExit(s.lastExit) : 'failed');
  if (s.state === 'backoff') return s.detail ?? `crash-looping: ${s.restarts} restarts`;
  if (s.state === 'degraded') return s.detail ?? 'partly running';
  if (lastCrash !== undefined && now - lastCrash < CRASH_LOOP_WINDOW_MS && s.restarts > 0 && s.state !== 'stopped') {
    return `crash-looping: ${s.restarts} restarts, last crash ${formatDuration(now - lastCrash)} ago`;
  }
  return undefined;
}
