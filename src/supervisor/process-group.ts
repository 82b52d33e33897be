import { processGroupAlive, readProcStat } from '../process/index.js';

/** Sends a signal to a whole process group, ignoring "already gone". */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** A process that is gone or a zombie no longer runs anything. */
export function pidAlive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/**
 * Calls onEmpty once no process is left in the group, checking every
 * intervalMs. Returns a cancel function.
 */
export function whenGroupEmpty(pgid: number, onEmpty: () => void, intervalMs = 20): () => void {
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    if (!processGroupAlive(pgid)) onEmpty();
    else timer = setTimeout(check, intervalMs);
  };
  check();
  return () => timer && clearTimeout(timer);
}

/** Polls a pid that is not our child (a forking daemon's, or an adopted one) until it dies. */
export function whenPidDies(pid: number, onDeath: () => void, intervalMs = 100): () => void {
  const startTime = readProcStat(pid)?.startTime;
  const timer = setInterval(() => {
    const stat = readProcStat(pid);
    // Same pid with another start time is a recycled pid: ours is gone.
    if (!stat || stat.state === 'Z' || stat.state === 'X' || stat.startTime !== startTime) {
      clearInterval(timer);
      onDeath();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
