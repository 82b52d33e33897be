import { readdirSync, readFileSync } from 'node:fs';
import { readProcStat } from '../process/index.js';

/**
 * Finds a service's main process by the HEARTH_SERVICE marker every service
 * is started with, for the one case a pid record cannot cover: hearthd killed
 * between fork and writing the pid down. Only process-group leaders count,
 * since each service leads its own group.
 */
export function findServiceProcess(name: string): { pid: number; startTime: number } | undefined {
  const marker = `\0HEARTH_SERVICE=${name}\0`;
  for (const entry of readdirSync('/proc')) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(entry);
    const stat = readProcStat(pid);
    if (!stat || stat.pgrp !== pid || stat.state === 'Z') continue;
    let env: string;
    try {
      env = `\0${readFileSync(`/proc/${pid}/environ`, 'latin1')}`;
    } catch {
      continue;
    }
    if (env.includes(marker)) return { pid, startTime: stat.startTime };
  }
  return undefined;
}
