import type { RawRecord } from './format.js';
import type { Dropped } from './log-file-set.js';

/** How one service's logging stands while its file cannot be written. */
export interface ServiceLogHealth {
  service: string;
  /** Epoch ms of the first failed write. */
  since: number;
  /** Why, for a person: "no space left on device (ENOSPC)". */
  reason: string;
  /** Records given up on so far (they will be named in one gap record). */
  droppedRecords: number;
  droppedBytes: number;
  /** on_log_full = "block": the service's output is held and its pipe is not read. */
  blocked: boolean;
}

/** The journal's answer to "is logging degraded?", for status, the GUI and the audit. */
export interface JournalHealth {
  degraded: boolean;
  services: ServiceLogHealth[];
}

interface Outage extends ServiceLogHealth {
  firstDroppedTs: number;
  lastDroppedTs: number;
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device (ENOSPC)',
  EDQUOT: 'disk quota exceeded (EDQUOT)',
  EFBIG: 'file too large (EFBIG)',
  EMFILE: 'hearthd is out of file descriptors (EMFILE)',
  ENFILE: 'the system is out of file descriptors (ENFILE)',
  EIO: 'input/output error (EIO)',
  EROFS: 'read-only file system (EROFS)',
  EACCES: 'permission denied (EACCES)',
  ELOOP: 'the log file is a symbolic link (ELOOP)',
};

export function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return (code && REASONS[code]) ?? (e instanceof Error ? e.message : String(e));
}

export const isFullError = (e: unknown): boolean => ['ENOSPC', 'EDQUOT'].includes((e as NodeJS.ErrnoException | undefined)?.code ?? '');

/**
 * The services whose log files cannot be written right now, what each has
 * lost, and the gap record that tells of it once writing works again.
 */
export class LogOutages {
  private readonly byService = new Map<string, Outage>();

  get size(): number {
    return this.byService.size;
  }

  get(service: string): ServiceLogHealth | undefined {
    return this.byService.get(service);
  }

  services(): string[] {
    return [...this.byService.keys()];
  }

  /** Records a failure; true when it starts an outage (report it), false while one lasts. */
  begin(service: string, e: unknown, now: number): boolean {
    if (this.byService.has(service)) return false;
    this.byService.set(service, { service, since: now, reason: reasonOf(e), droppedRecords: 0, droppedBytes: 0, blocked: false, firstDroppedTs: 0, lastDroppedTs: 0 });
    return true;
  }

  dropped(service: string, d: Dropped): void {
    const o = this.byService.get(service);
    if (!o) return;
    if (o.droppedRecords === 0) o.firstDroppedTs = d.firstTs;
    o.droppedRecords += d.records;
    o.droppedBytes += d.bytes;
    o.lastDroppedTs = Math.max(o.lastDroppedTs, d.lastTs);
  }

  setBlocked(service: string, blocked: boolean): void {
    const o = this.byService.get(service);
    if (o) o.blocked = blocked;
  }

  /** The record to write first when writing works again; undefined when nothing was lost. */
  gapRecord(service: string): RawRecord | undefined {
    const o = this.byService.get(service);
    if (!o || o.droppedRecords === 0) return undefined;
    const n = o.droppedRecords;
    const text = `journal: ${n} record${n === 1 ? '' : 's'} (${o.droppedBytes} bytes) dropped from ${new Date(o.firstDroppedTs).toISOString()} to ${new Date(o.lastDroppedTs).toISOString()}: ${o.reason}`;
    // Stamped with the first lost record's time: it stands where they would have been.
    return { ts: o.firstDroppedTs, stream: 'hearth', payload: Buffer.from(text, 'utf8'), priority: 4, gap: true };
  }

  end(service: string): ServiceLogHealth | undefined {
    const o = this.byService.get(service);
    this.byService.delete(service);
    return o;
  }

  health(): JournalHealth {
    const services = [...this.byService.values()].map(({ firstDroppedTs: _f, lastDroppedTs: _l, ...h }) => h);
    return { degraded: services.length > 0, services };
  }
}
