/**
 * Keeps the timings of the last boot or runlevel switch in the state dir so
 * `hearth analyze` can answer after the fact (and after a hearthd restart).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../state/index.js';
import type { RunReport } from './scheduler.js';

export const LAST_RUN_FILE = 'last-transition.json';

export interface StoredTransition {
  /** The runlevel entered. */
  level: number;
  stop: RunReport;
  start: RunReport;
}

export function saveLastTransition(stateDir: string, t: StoredTransition): void {
  writeFileAtomicSync(path.join(stateDir, LAST_RUN_FILE), `${JSON.stringify(t)}\n`);
}

/** undefined when nothing was recorded yet or the file is unreadable. */
export function loadLastTransition(stateDir: string): StoredTransition | undefined {
  try {
    const t = JSON.parse(fs.readFileSync(path.join(stateDir, LAST_RUN_FILE), 'utf8')) as StoredTransition;
    return t && Array.isArray(t.start?.units) && Array.isArray(t.stop?.units) ? t : undefined;
  } catch {
    return undefined;
  }
}
