/**
 * Small renderings that the CLI, ntsysv and the web GUI share, so a number
 * reads the same in every front end. Times and durations are in time-format.ts.
 */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** "512 B", "3.2 MiB", "1.0 GiB". */
export function formatBytes(n: number): string {
  let v = Math.max(0, n);
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${BYTE_UNITS[i]}`;
}

/** How a process ended: "exit code 1", "killed by SIGKILL". */
export function describeExit(e: { code: number | null; signal: string | null; reason?: 'oom-killed' }): string {
  if (e.reason === 'oom-killed') return 'oom-killed (out of memory)';
  if (e.signal) return `killed by ${e.signal}`;
  // A forking daemon's main process is not hearthd's child: its status is not known.
  return e.code === null ? 'exited (status not known)' : `exit code ${e.code}`;
}

/** A process ended well: exit code 0 and no signal. */
export function exitedCleanly(e: { code: number | null; signal: string | null }): boolean {
  return !e.signal && e.code === 0;
}
