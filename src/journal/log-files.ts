/**
 * Where a service's records live: LOGDIR/NAME.log is current, NAME.log.1 the
 * newest rotated file, NAME.log.K the oldest. Service names are tame (see
 * model's SERVICE_NAME: no "/", no ".."), so they are used as file names as is.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isValidServiceName } from '../model/index.js';

const FILE = /^(.+)\.log(?:\.([1-9]\d{0,5}))?$/;

export function logFilePath(dir: string, service: string, index = 0): string {
  // The loaders refuse such names at the edge; this is the last line, should one slip through.
  if (!isValidServiceName(service)) throw Object.assign(new Error(`refusing a log file for the unsafe name ${JSON.stringify(service)}`), { code: 'EINVAL' });
  return join(dir, index === 0 ? `${service}.log` : `${service}.log.${index}`);
}

export interface LogFileEntry {
  path: string;
  /** 0 = current file, 1 = newest rotated, … */
  index: number;
}

/** Every service with at least one file, mapped to its files, newest first. */
export function scanLogDir(dir: string): Map<string, LogFileEntry[]> {
  const out = new Map<string, LogFileEntry[]>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw e;
  }
  for (const file of names) {
    const m = FILE.exec(file);
    if (!m) continue;
    const service = m[1]!;
    const index = m[2] === undefined ? 0 : Number(m[2]);
    let list = out.get(service);
    if (!list) out.set(service, (list = []));
    list.push({ path: join(dir, file), index });
  }
  for (const list of out.values()) list.sort((a, b) => a.index - b.index);
  return out;
}
