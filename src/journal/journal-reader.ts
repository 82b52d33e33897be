/**
 * Reading a log dir: what Journal.query() does for hearthd, and what `hearth
 * logs` does by itself when hearthd is not running (or on a copied log dir,
 * `--dir`). Only reads; never creates, locks or changes a file.
 */
import { toLogRecord, type ParsedLine } from './format.js';
import { closeAll, openFiles, readBackward, readForward, type FilePosition } from './file-reader.js';
import { LineMatcher } from './line-matcher.js';
import { scanLogDir, type LogFileEntry } from './log-files.js';
import type { LogQuery, LogRecord } from './types.js';
import { mapLimited } from '../util/map-limited.js';

/** Services read in parallel by one query (each opens up to keep+1 files). */
const QUERY_PARALLELISM = 16;

/**
 * The records of `dir` that match q, oldest first. With `upTo`, each
 * service's files are read only up to that position (a follow's backlog);
 * a service mapped to null is skipped.
 */
export async function readJournal(dir: string, q: LogQuery, upTo?: Map<string, FilePosition | null>): Promise<LogRecord[]> {
  if (q.lines !== undefined && q.lines <= 0) return [];
  const all = scanLogDir(dir);
  const services = q.names && q.names.length > 0 ? [...new Set(q.names)] : [...all.keys()].sort();
  const matcher = new LineMatcher(q);
  const perService = await mapLimited(services, QUERY_PARALLELISM, async (service) => {
    const entries = all.get(service);
    if (!entries) return [];
    if (upTo && !upTo.get(service)) return [];
    // The first attempt uses the listing already made; a retry (a rotation ran) lists again.
    let listing: LogFileEntry[] | undefined = entries;
    const list = (): LogFileEntry[] => {
      const l = listing ?? scanLogDir(dir).get(service) ?? [];
      listing = undefined;
      return l;
    };
    const files = await openFiles(list, upTo?.get(service) ?? undefined);
    try {
      const lines: ParsedLine[] = [];
      if (q.lines !== undefined) {
        for (const file of files) if (!(await readBackward(file, matcher, q.lines, lines))) break;
        lines.reverse();
      } else {
        for (let i = files.length - 1; i >= 0; i--) if (!(await readForward(files[i]!, matcher, (l) => lines.push(l)))) break;
      }
      return lines.map((l) => toLogRecord(service, l));
    } finally {
      await closeAll(files);
    }
  });
  // Each service's records are already in time order; a stable sort by time
  // interleaves them and keeps ties in service order, then file order.
  const merged = perService.flat().sort((a, b) => a.ts - b.ts);
  return q.lines !== undefined && merged.length > q.lines ? merged.slice(merged.length - q.lines) : merged;
}

/** The services that have log files in dir (for "no logs for unknown service" and its hint). */
export function journalServices(dir: string): string[] {
  return [...scanLogDir(dir).keys()].sort();
}
