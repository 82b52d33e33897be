import { formatDuration, type ServiceState, type ServiceStatus } from '../model/index.js';
import type { ColorName } from './output.js';

export function stateColor(state: ServiceState): ColorName {
  switch (state) {
    case 'running':
    case 'waiting':
      return 'green';
    case 'failed':
    case 'broken':
      return 'red';
    case 'starting':
    case 'stopping':
    case 'backoff':
      return 'yellow';
    default:
      return 'dim';
  }
}

/** `status` exits 0 for these (LSB "running"): a process exists, or a timer is armed. */
export function isAlive(state: ServiceState): boolean {
  return state === 'running' || state === 'starting' || state === 'stopping' || state === 'waiting';
}

export function uptime(s: ServiceStatus, now = Date.now()): string {
  if (!isAlive(s.state) || s.startedAt === null) return '-';
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
  const how = e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
  return `${how}, ${formatDuration(Math.max(0, now - e.at))} ago`;
}
