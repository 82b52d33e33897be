import type { ExitFacts } from './restart-policy.js';

/** setTimeout cannot wait longer than this (about 24.8 days); "infinity" becomes this. */
export const LONGEST_WAIT_MS = 2 ** 31 - 1;

/**
 * Runs one asynchronous step of a service's start or stop. `still()` tells
 * the step whether it is still the current one (a stop or a new start makes
 * it stale); an error the step did not expect goes to onError.
 */
export function guarded(isCurrent: () => boolean, step: (still: () => boolean) => Promise<void>, onError: (e: unknown) => void): Promise<void> {
  return step(isCurrent).catch((e) => {
    if (isCurrent()) onError(e);
  });
}

/** Resolves when `p` settles or `ms` has passed, whichever comes first; never rejects. */
export function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.min(Math.max(ms, 0), LONGEST_WAIT_MS));
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    p.then(done, done);
  });
}

/** $SERVICE_RESULT, $EXIT_CODE and $EXIT_STATUS for ExecStop= and ExecStopPost=, as systemd sets them. */
export function exitVariables(exit: Pick<ExitFacts, 'code' | 'signal' | 'timedOut'>): Record<string, string> {
  if (exit.timedOut) return { SERVICE_RESULT: 'timeout', ...(exit.signal ? { EXIT_CODE: 'killed', EXIT_STATUS: exit.signal.replace(/^SIG/, '') } : {}) };
  if (exit.signal) return { SERVICE_RESULT: 'signal', EXIT_CODE: 'killed', EXIT_STATUS: exit.signal.replace(/^SIG/, '') };
  if (exit.code === null) return { SERVICE_RESULT: 'success' };
  return { SERVICE_RESULT: exit.code === 0 ? 'success' : 'exit-code', EXIT_CODE: 'exited', EXIT_STATUS: String(exit.code) };
}
