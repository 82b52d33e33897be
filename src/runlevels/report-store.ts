/**
 * Keeps the timings of the boot and of the last runlevel switch so `hearth
 * analyze` can answer after the fact. The last switch lives in the state dir
 * (it outlives a reboot, as "what happened last" should); the boot lives in
 * the runtime dir, which a host reboot empties, so a boot record never
 * describes an earlier life of the machine.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../state/index.js';
import type { RunReport } from './scheduler.js';

export const LAST_RUN_FILE = 'last-transition.json';
export const BOOT_RUN_FILE = 'boot-transition.json';

export interface StoredTransition {
  /** The runlevel entered. */
  level: number;
  /** The runlevel it left; null when hearthd was in none (its start). */
  previous: number | null;
  /** When it began (epoch ms). */
  at: number;
  /** The first entry into the default runlevel since hearthd (or the host) started. */
  boot: boolean;
  stop: RunReport;
  start: RunReport;
}

export type TransitionKind = 'boot' | 'last';

/** Where each record lives: the boot in the runtime dir, the last switch in the state dir. */
export interface TransitionDirs {
  stateDir: string;
  runtimeDir: string;
}

function fileOf(dirs: TransitionDirs, which: TransitionKind): string {
  return which === 'boot' ? path.join(dirs.runtimeDir, BOOT_RUN_FILE) : path.join(dirs.stateDir, LAST_RUN_FILE);
}

export function saveTransition(dirs: TransitionDirs, which: TransitionKind, t: StoredTransition): void {
  writeFileAtomicSync(fileOf(dirs, which), `${JSON.stringify(t)}\n`);
}

/** undefined when nothing was recorded yet or the file is unreadable. */
export function loadTransition(dirs: TransitionDirs, which: TransitionKind): StoredTransition | undefined {
  let t: Partial<StoredTransition> | null;
  try {
    t = JSON.parse(fs.readFileSync(fileOf(dirs, which), 'utf8')) as Partial<StoredTransition> | null;
  } catch {
    return undefined;
  }
  if (!t || typeof t.level !== 'number' || !Array.isArray(t.start?.units) || !Array.isArray(t.stop?.units)) return undefined;
  // A record written before hearth told the boot from a switch: what it can still say.
  return {
    level: t.level,
    previous: typeof t.previous === 'number' ? t.previous : null,
    at: typeof t.at === 'number' ? t.at : Math.min(t.stop.startedAt, t.start.startedAt),
    boot: t.boot === true,
    stop: t.stop,
    start: t.start,
  };
}
