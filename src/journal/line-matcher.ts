import { effectivePriority } from '../model/index.js';
import { parseLine, type ParsedLine } from './format.js';

const LF = 0x0a;

export interface LineFilter {
  since?: number;
  until?: number;
  grep?: string;
  priority?: number;
  facility?: number[];
}

/**
 * Applies a query's filters to raw file bytes. With a grep it searches the bytes
 * of a whole region with Buffer.indexOf and only parses the lines that contain a
 * hit, which is what makes filtering big files fast: most lines are never decoded.
 */
export class LineMatcher {
  private readonly needle: Buffer | undefined;
  /** A needle with "\" or LF could only match escaped payloads after unescaping. */
  private readonly fast: boolean;

  constructor(readonly filter: LineFilter) {
    const g = filter.grep;
    this.needle = g ? Buffer.from(g, 'utf8') : undefined;
    this.fast = !!g && !g.includes('\\') && !g.includes('\n');
  }

  matches(line: ParsedLine): boolean {
    const f = this.filter;
    if (f.since !== undefined && line.ts < f.since) return false;
    if (f.until !== undefined && line.ts > f.until) return false;
    if (f.priority !== undefined && effectivePriority(line) > f.priority) return false;
    if (f.facility !== undefined && (line.syslog === undefined || !f.facility.includes(line.syslog.facility))) return false;
    if (f.grep && !line.payload.toString('utf8').includes(f.grep)) return false;
    return true;
  }

  /** Calls emit for every matching line in buf[start, end), which holds whole lines only. */
  scan(buf: Buffer, start: number, end: number, emit: (line: ParsedLine) => void): void {
    if (this.needle && this.fast) {
      let pos = start;
      while (pos < end) {
        const hit = buf.indexOf(this.needle, pos);
        if (hit < 0 || hit >= end) return;
        const ls = hit === 0 ? 0 : Math.max(start, buf.lastIndexOf(LF, hit - 1) + 1);
        let le = buf.indexOf(LF, hit);
        if (le < 0 || le > end) le = end;
        const line = parseLine(buf, ls, le);
        if (line && this.matches(line)) emit(line);
        pos = le + 1;
      }
      return;
    }
    let ls = start;
    while (ls < end) {
      let le = buf.indexOf(LF, ls);
      if (le < 0 || le > end) le = end;
      const line = parseLine(buf, ls, le);
      if (line && this.matches(line)) emit(line);
      ls = le + 1;
    }
  }
}
