import { formatDuration, formatTimestamp, type HearthEvent } from '../model/index.js';

/** "exited with code 1" / "killed by SIGKILL": how a process ended, in one phrase. */
export function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `killed by ${signal}`;
  if (code === null) return 'exited';
  return `exited with code ${code}`;
}

/** The severity an event is logged with in hearthd's own journal. */
export function eventLevel(e: HearthEvent): 'info' | 'warn' | 'error' {
  switch (e.type) {
    case 'daemon.log':
    case 'inetd.problem':
      return e.level;
    case 'service.error':
    case 'pool.failed':
    case 'runlevel.cycle':
    case 'config.error':
      return 'error';
    case 'journal.health':
      return e.degraded ? 'error' : 'info';
    case 'state.corrupt':
      return 'error';
    case 'service.stop-escalated':
      return 'warn';
    case 'pool.worker':
      return e.change === 'replaced' ? 'info' : 'warn';
    case 'timer.run':
      if (e.change === 'failed') return 'error';
      if (e.change === 'finished') return e.code === 0 && !e.signal ? 'info' : 'warn';
      return e.change === 'started' ? 'info' : 'warn';
    case 'at.job':
      if (e.change === 'failed') return 'error';
      return e.change === 'finished' && (e.code !== 0 || e.signal) ? 'warn' : 'info';
    default:
      return 'info';
  }
}

/**
 * The one place where hearthd's events become text for people (hearthd's
 * journal and stdout). undefined: not worth a line of its own.
 */
export function describeEvent(e: HearthEvent): string | undefined {
  switch (e.type) {
    case 'service.state':
      if (e.from === e.to) return undefined;
      return `${e.name}: ${e.from} -> ${e.to}${e.pid ? ` (pid ${e.pid})` : ''}${e.detail ? `: ${e.detail}` : ''}`;
    case 'service.exit':
      return `${e.name}: pid ${e.pid} ${e.reason === 'oom-killed' ? 'was killed by the kernel: out of memory' : describeExit(e.code, e.signal)}`;
    case 'service.spawn':
      return undefined;
    case 'service.error':
      return `${e.name}: ${e.message}`;
    case 'service.stop-escalated':
      return `"${e.name}" did not stop within ${formatDuration(e.timeoutMs)} of ${e.signal}; sent SIGKILL`;
    case 'pool.worker':
      if (e.change === 'ready-timeout') {
        const ignored = e.ignoredSenders;
        const why = ignored ? ` (${ignored.count} notify message${ignored.count === 1 ? '' : 's'} came from processes outside every worker, pid ${ignored.lastPid} last; they count for none)` : '';
        return `"${e.name}" worker ${e.pid} did not become ready in time; killed${why}`;
      }
      return `"${e.name}" worker ${e.pid} ${e.reason ?? 'ended'}; replaced${e.delayMs ? ` in ${formatDuration(e.delayMs)}` : ''}`;
    case 'pool.size':
      return `"${e.name}" ${e.change === 'grow' ? 'grows' : 'shrinks'} to ${e.workers} workers${e.change === 'shrink' ? ' (idle)' : ''}`;
    case 'pool.reloaded':
      return `"${e.name}" reloaded: ${e.fresh} new workers ready, stopping ${e.old} old ones`;
    case 'pool.failed':
      return `"${e.name}": ${e.reason}`;
    case 'timer.run':
      switch (e.change) {
        case 'started':
          return `timer "${e.name}" started${e.reason ? ` (${e.reason})` : ''}: pid ${e.pid ?? '?'}`;
        case 'finished':
          return `timer "${e.name}" finished: ${e.signal ? `killed by ${e.signal}` : `exit status ${e.code}`} after ${formatDuration(e.durationMs)}`;
        case 'skipped':
          return `timer "${e.name}": still running since ${formatTimestamp(e.runningSince, { zone: true })}; this run is skipped (overlap = "skip")`;
        case 'replaced':
          return `timer "${e.name}": the previous run is stopped for the new one (overlap = "kill")`;
        case 'timed-out':
          return `timer "${e.name}": still running after timeout ${formatDuration(e.timeoutMs ?? 0)}; stopped`;
        case 'failed':
          return `timer "${e.name}": ${e.reason}`;
      }
      return undefined;
    case 'at.job':
      if (e.change === 'started') return `at job ${e.id} started: ${e.command}`;
      if (e.change === 'finished') return `at job ${e.id} finished: ${e.signal ? `killed by ${e.signal}` : `exit status ${e.code}`} after ${formatDuration(e.durationMs)}`;
      return `at job ${e.id}: ${e.reason}`;
    case 'inetd.listener':
      switch (e.change) {
        case 'listening':
          return `${e.name}: listening on ${e.protocol} port ${e.port}`;
        case 'suspended':
          return `${e.name}: suspended until ${formatTimestamp(e.until, { zone: true })}: ${e.reason}`;
        default:
          return `${e.name}: ${e.change}`;
      }
    case 'inetd.problem':
      return `${e.name}: ${e.message}`;
    case 'runlevel.changed':
      return `runlevel ${e.from ?? 'N'} -> ${e.to}`;
    case 'runlevel.cycle':
      return `dependency cycle, not started: ${e.units.join(' -> ')}`;
    case 'state.corrupt':
      return `state file "${e.file}" ${e.reason}: ${e.keptAs === e.file ? 'it could not be moved aside' : `kept as "${e.keptAs}"`}; ${e.recovered ?? 'started from nothing'}`;
    case 'journal.health':
      if (!e.degraded) return 'logging works again: every log file can be written';
      return `logging is degraded: ${e.services.map((s) => `${s.service} (${s.reason}${s.blocked ? ', output held' : `, ${s.droppedRecords} records dropped`})`).join(', ')}`;
    case 'config.reloaded':
      return `config reloaded: added [${e.added.join(', ')}] changed [${e.changed.join(', ')}] removed [${e.removed.join(', ')}]${e.errors.length ? `; ${e.errors.length} error(s)` : ''}`;
    case 'config.error':
      return `config not reloaded: ${e.errors.join('; ')}`;
    case 'daemon.log':
      return `${e.level === 'info' ? '' : `${e.level}: `}${e.message}`;
  }
}
