import { STATE_CLASS, formatDuration, isRunningState, type ServiceState, type ServiceStatus } from '../model/index.js';
import type { ColorName } from './output.js';

const CLASS_COLOR = { active: 'green', failed: 'red', activating: 'yellow', deactivating: 'yellow', inactive: 'dim' } as const;

export function stateColor(state: ServiceState): ColorName {
  return CLASS_COLOR[STATE_CLASS[state]];
}

export function uptime(s: ServiceStatus, now = Date.now()): string {
  if (!isRunningState(s.state) || s.startedAt === null) return '-';
  return formatDuration(Math.max(0, now - s.startedAt));
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

export function exitText(e: NonNullable<ServiceStatus['lastExit']>, now = Date.now()): string {
  const how =
    e.reason === 'oom-killed' ? 'oom-killed (out of memory)' : e.signal ? `killed by ${e.signal}` : e.code === null ? 'exited (status not known: not a child of hearthd)' : `exit code ${e.code}`;
  return `${how}, ${formatDuration(Math.max(0, now - e.at))} ago`;
}
