import { readFileSync } from 'node:fs';
import { pidAlive } from '../boundary/index.js';

/** The pid a pidfile names, or undefined when it is missing, empty or not a number. */
export function readPidFile(path: string): number | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Waits for a forking daemon's pidfile to name a live process. Calls found()
 * with the pid, or timedOut() after the deadline; returns a cancel function.
 */
export function waitForPidFile(path: string, timeoutMs: number, found: (pid: number) => void, timedOut: () => void, pollMs = 25): () => void {
  const deadline = Date.now() + timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const poll = () => {
    const pid = readPidFile(path);
    if (pid !== undefined && pidAlive(pid)) return found(pid);
    if (Date.now() > deadline) return timedOut();
    timer = setTimeout(poll, pollMs);
  };
  poll();
  return () => timer && clearTimeout(timer);
}
