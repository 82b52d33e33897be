import { existsSync, readFileSync, renameSync } from 'node:fs';

/** A state file hearthd could not read: set aside, never silently reset. */
export interface CorruptState {
  file: string;
  /** Where the bad file was moved: FILE.corrupt-TIMESTAMP. */
  keptAs: string;
  reason: string;
  at: number;
}

export type CorruptionReporter = (c: CorruptState) => void;

/**
 * Reads one of hearthd's JSON state files (the at queue, timer runs,
 * enablement, crash-recovery records). Absent: undefined. Present but not
 * valid JSON (a disk error, a bad manual edit): the file is moved aside as
 * FILE.corrupt-TIMESTAMP, the caller's reporter is told, and `salvage`
 * (if given) may recover what the damaged text still holds.
 */
export function readJsonState<T>(file: string, report: CorruptionReporter, salvage?: (text: string) => T | undefined): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    setAside(file, `cannot be read: ${(e as Error).message}`, report);
    return undefined;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    setAside(file, `is not valid JSON (${(e as Error).message})`, report);
    return salvage?.(text);
  }
}

function setAside(file: string, reason: string, report: CorruptionReporter): void {
  const at = Date.now();
  let keptAs = `${file}.corrupt-${new Date(at).toISOString().replace(/[:.]/g, '-')}`;
  try {
    if (existsSync(keptAs)) keptAs = `${keptAs}-${process.pid}`;
    renameSync(file, keptAs);
  } catch {
    keptAs = file; // could not move it: it stays, and is read (and set aside) again next time
  }
  report({ file, keptAs, reason, at });
}
