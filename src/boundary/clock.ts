/**
 * Time as the stop path sees it. Injected so that the escalation to SIGKILL
 * can be tested on a fake clock instead of by waiting for real timeouts.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  // Not unref'd: someone awaits the stop these timers drive.
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
