import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';

/**
 * log_type = FILE path [soft [hard]]: xinetd's filelog (xlog/filelog.c). The
 * file is opened O_APPEND (created 0644) when the service starts; a file that
 * cannot be opened keeps the service from starting, as in xinetd. Each line
 * is `YY/M/D@HH:MM:SS: message` in local time, appended whole (xinetd's
 * stream is line-buffered), so lines of services sharing a file interleave
 * whole. With limits, the size counts from the file's size at start: past
 * the hard limit the line that crossed it is the last one written. The file
 * is opened per line rather than held, so a service retired by a reload while
 * its servers finish holds no descriptor (a line costs three system calls,
 * only for services that asked for a file).
 */
export class XinetdLogFile {
  private size = 0;
  private full = false;

  private constructor(
    readonly path: string,
    private readonly hardLimit: number | undefined,
  ) {}

  /** Throws (with the OS reason) when the file cannot be opened for appending. */
  static open(path: string, hardLimit: number | undefined): XinetdLogFile {
    const f = new XinetdLogFile(path, hardLimit);
    const fd = openSync(path, 'a', 0o644);
    try {
      f.size = fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
    return f;
  }

  /** false once the hard limit stopped the file (the caller says so once). */
  write(message: string, now = new Date()): boolean {
    if (this.full) return false;
    const line = `${stamp(now)}: ${message}\n`;
    try {
      const fd = openSync(this.path, 'a', 0o644);
      try {
        this.size += writeSync(fd, line);
      } finally {
        closeSync(fd);
      }
    } catch {
      // A full disk or a removed directory loses this line, as xinetd's failed write does; the journal still has it.
      return true;
    }
    if (this.hardLimit !== undefined && this.size > this.hardLimit) {
      this.full = true;
      return false;
    }
    return true;
  }
}

/** xinetd's "%02d/%d/%d@%02d:%02d:%02d": two-digit year, month and day unpadded. */
export function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getFullYear() % 100)}/${d.getMonth() + 1}/${d.getDate()}@${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
