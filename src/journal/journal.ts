import { lstatSync } from 'node:fs';
import { HearthError, descriptorShortage } from '../errors/index.js';
import { DEFAULT_LOG } from '../model/index.js';
import { toLogRecord, type RawRecord } from './format.js';
import type { FilePosition } from './file-reader.js';
import { readJournal } from './journal-reader.js';
import { LineMatcher } from './line-matcher.js';
import { LogFileSet } from './log-file-set.js';
import { LogOutages, isFullError, reasonOf, type JournalHealth } from './log-outage.js';
import { logFilePath, scanLogDir } from './log-files.js';
import { ServiceLogWriter, type RecordSink } from './service-log-writer.js';
import type { BatchSeal } from './spool-position.js';
import { DAEMON_SERVICE, LEVEL_PRIORITY, type DaemonLogLevel, type LogQuery, type LogRecord, type LogStream, type RotationSettings, type SyslogFields } from './types.js';

/** The model's default log settings (10 MiB, 5 rotated files), one source of truth. */
export const DEFAULT_ROTATION: RotationSettings = { ...DEFAULT_LOG };

export interface JournalOptions {
  /** The log dir; one file set per service lives here. Created on first write. */
  dir: string;
  /** Default rotation for every service (a service may override it in writer()). */
  rotation?: RotationSettings;
  /** Flush a service's unfinished line after this long without output. Default 500 ms. */
  idleFlushMs?: number;
  /** Lines longer than this become several partial records. Default 16 KiB. */
  maxLineBytes?: number;
  /**
   * Writing failed (disk full, permissions), once per outage of a service.
   * The journal never throws into a service's output path.
   */
  onError?: (err: HearthError) => void;
  /** Logging became degraded, or recovered, or a service joined or left the outage. */
  onHealth?: (health: JournalHealth) => void;
  /** While some file cannot be written, retry this often (default 5 s). */
  retryMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** A whole record from elsewhere than a pipe: hearthd's own events, syslog, connection records. */
export interface JournalEntry {
  stream: LogStream;
  /** The exact bytes; or give `text`. May contain newlines (stored escaped). */
  payload?: Buffer;
  text?: string;
  /** Default: now. */
  ts?: number;
  partial?: boolean;
  priority?: number;
  /** A syslog message's facility and header fields. */
  syslog?: SyslogFields;
}

function sameRotation(a: RotationSettings, b: RotationSettings): boolean {
  return a === b || (a.maxBytes === b.maxBytes && a.keep === b.keep && a.maxAgeMs === b.maxAgeMs);
}

/** Flush a service's batch at once when it grows past this, instead of next tick. */
const EAGER_FLUSH_BYTES = 256 * 1024;
/**
 * A blocked service's output held in memory at most: its pipe is paused, so
 * only what was read before that arrives; a producer that is not paused
 * (nothing attached) cannot make the journal hold more than this.
 */
const BLOCK_MAX_BYTES = 4 * 1024 * 1024;

/** What happens to a service's records while its log file cannot be written. */
export type LogFullPolicy = 'drop' | 'block';

interface Follower {
  names: Set<string> | undefined;
  matcher: LineMatcher;
  onRecord: (r: LogRecord) => void;
  /** While the backlog is read, live records wait here so none is lost or doubled. */
  waiting: LogRecord[] | undefined;
  closed: boolean;
}

/**
 * The journal: hearthd's one place for logs. Writers (one per service, plus
 * hearthd's own) append to per-service files; query() reads them back with
 * filters; follow() hands out new records straight from the writers, in memory,
 * so rotation never disturbs a follower.
 */
export class Journal implements RecordSink {
  readonly dir: string;
  private readonly rotation: RotationSettings;
  /** Services with rotation settings other than the defaults (most have none of their own: no entry for them). */
  private readonly rotationOf = new Map<string, RotationSettings>();
  /** Services journaled before their definition is loaded: not rotated by size until it is (awaitRotation). */
  private readonly rotationPending = new Set<string>();
  private readonly sets = new Map<string, LogFileSet>();
  private readonly writers = new Map<string, ServiceLogWriter>();
  private readonly dirty = new Set<LogFileSet>();
  private readonly followers = new Set<Follower>();
  private readonly outages = new LogOutages();
  /** Services with on_log_full = "block"; the others drop (the default), and are not listed. */
  private readonly blocking = new Set<string>();
  private readonly seals = new Map<string, BatchSeal>();
  private retryTimer: NodeJS.Timeout | undefined;
  private flushScheduled: NodeJS.Immediate | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  private readonly options: JournalOptions;

  /** A log dir alone means default settings. */
  constructor(options: JournalOptions | string) {
    this.options = typeof options === 'string' ? { dir: options } : options;
    options = this.options;
    this.dir = options.dir;
    this.rotation = options.rotation ?? DEFAULT_ROTATION;
    this.now = options.now ?? Date.now;
    const age = this.rotation.maxAgeMs;
    if (age !== undefined) {
      this.pruneTimer = setInterval(() => this.prune(), Math.max(1000, Math.min(age / 10, 3_600_000)));
      this.pruneTimer.unref();
    }
  }

  /** The writer for a service's stdout/stderr; the same object every time for one name. */
  writer(service: string, rotation?: RotationSettings): ServiceLogWriter {
    if (rotation) this.setRotation(service, rotation);
    let w = this.writers.get(service);
    if (!w) {
      const opts = { now: this.now } as { now: () => number; idleFlushMs?: number; maxLineBytes?: number };
      if (this.options.idleFlushMs !== undefined) opts.idleFlushMs = this.options.idleFlushMs;
      if (this.options.maxLineBytes !== undefined) opts.maxLineBytes = this.options.maxLineBytes;
      w = new ServiceLogWriter(service, this, opts);
      this.writers.set(service, w);
    }
    return w;
  }

  /** Changes a service's rotation settings (a config reload). */
  setRotation(service: string, rotation: RotationSettings): void {
    if (sameRotation(rotation, this.rotation)) this.rotationOf.delete(service);
    else this.rotationOf.set(service, rotation);
    this.rotationPending.delete(service);
    const set = this.sets.get(service);
    if (set) set.rotation = rotation;
  }

  /**
   * Output of `service` is journaled before its definition is loaded (the
   * spool takes up what a killed hearthd left, at start): its files are not
   * rotated by size until setRotation gives its own settings, or
   * rotationSettled the defaults. The defaults may be far smaller than its
   * log_max_size: rotating by them cut a 1G log into 10M files and pushed
   * older ones past log_keep. Called before the definitions load: one that
   * keeps the defaults leaves no trace in rotationOf to tell it from none.
   */
  awaitRotation(service: string): void {
    if (this.rotationOf.has(service)) return;
    this.rotationPending.add(service);
    const set = this.sets.get(service);
    if (set) set.rotation = this.rotationFor(service);
  }

  /** Every definition is loaded: a service still waiting has none of its own, so the defaults apply. */
  rotationSettled(): void {
    const pending = [...this.rotationPending];
    this.rotationPending.clear();
    for (const service of pending) {
      const set = this.sets.get(service);
      if (set) set.rotation = this.rotationFor(service);
    }
  }

  private rotationFor(service: string): RotationSettings {
    const own = this.rotationOf.get(service);
    if (own) return own;
    return this.rotationPending.has(service) ? { ...this.rotation, maxBytes: Number.POSITIVE_INFINITY } : this.rotation;
  }

  /**
   * on_log_full for a service: "drop" (the default) gives up on records the
   * full disk cannot take and later writes one gap record saying so; "block"
   * holds them, pauses the service's output (see ServiceLogWriter.attach) and
   * writes them all when space returns.
   */
  setOnLogFull(service: string, policy: LogFullPolicy): void {
    if (policy === 'block') this.blocking.add(service);
    else this.blocking.delete(service);
  }

  /** From now on every write to `service`'s file opens with this seal, in the same write (spool positions). */
  sealWith(service: string, seal: BatchSeal): void {
    this.seals.set(service, seal);
    const set = this.sets.get(service);
    if (set) set.seal = seal;
  }

  /** Is logging degraded, and for which services (for status, the GUI and the audit). */
  health(): JournalHealth {
    return this.outages.health();
  }

  /** Journals one of hearthd's own events under the service "hearthd". */
  daemonLog(level: DaemonLogLevel, message: string): void {
    this.append(DAEMON_SERVICE, { ts: this.now(), stream: 'hearth', payload: Buffer.from(message, 'utf8'), priority: LEVEL_PRIORITY[level] });
  }

  /** Journals a whole record (syslog messages, connection records, hearthd's events). */
  record(service: string, entry: JournalEntry): void {
    const r: RawRecord = {
      ts: entry.ts ?? this.now(),
      stream: entry.stream,
      payload: entry.payload ?? Buffer.from(entry.text ?? '', 'utf8'),
    };
    if (entry.partial) r.partial = true;
    if (entry.priority !== undefined) r.priority = entry.priority;
    if (entry.syslog) r.syslog = entry.syslog;
    this.append(service, r);
  }

  /** RecordSink: queue a record; written on the next turn of the event loop or sooner when big. */
  append(service: string, r: RawRecord): void {
    const set = this.setFor(service);
    set.append(r);
    if (this.outages.get(service)) {
      // The file cannot be written now: the retry timer tries again. Trying the growing batch at
      // every record would copy it once per record (hearthd spun for minutes on a full disk).
      this.holdOrDrop(set);
      return;
    }
    if (set.pendingBytes >= EAGER_FLUSH_BYTES) this.flushSet(set);
    else {
      this.dirty.add(set);
      this.flushScheduled ??= setImmediate(() => this.flush());
    }
  }

  /** RecordSink: write a service's batch now; with release also close its fd (the service exited). */
  flushService(service: string, release: boolean): void {
    const set = this.sets.get(service);
    if (!set) return;
    this.flushSet(set);
    if (release) {
      try {
        set.close();
      } catch {
        // The outage is reported already; what is held stays queued for the retry.
      }
    }
  }

  /** Writes every queued record to its file. */
  flush(): void {
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.flushScheduled = undefined;
    for (const set of [...this.dirty]) this.flushSet(set);
  }

  /** Reads records back. Unknown names simply have no records (naming them is the caller's check). */
  async query(q: LogQuery): Promise<LogRecord[]> {
    this.flush();
    return this.read(q);
  }

  /**
   * Calls onRecord for each new record matching q (names, since, until, grep,
   * priority; `lines` only limits the replay). With `replay`, first hands out
   * what query(q) returns, then continues live with no gap and nothing twice
   * (`tail -f -n N`): the history is read only up to where the files ended when
   * follow() was called, and everything later comes live. Returns the unsubscribe.
   */
  follow(q: LogQuery, onRecord: (r: LogRecord) => void, options: { replay?: boolean } = {}): () => void {
    const replay = options.replay === true;
    // Everything queued so far goes to the history (and not also to this follower
    // live): write it out before subscribing. All synchronous, so no record slips in.
    if (replay) this.flush();
    const f: Follower = {
      names: q.names && q.names.length > 0 ? new Set(q.names) : undefined,
      matcher: new LineMatcher(q),
      onRecord,
      waiting: replay ? [] : undefined,
      closed: false,
    };
    this.followers.add(f);
    if (replay) {
      // The history is read up to where the files end now; everything after
      // reaches the follower through notify() and waits until the history is out.
      const upTo = this.positions(q.names);
      const release = (backlog: LogRecord[]): void => {
        if (f.closed) return;
        const waiting = f.waiting ?? [];
        f.waiting = undefined;
        for (const r of backlog) this.deliver(f, r);
        for (const r of waiting) this.deliver(f, r);
      };
      this.read(q, upTo).then(release, (e) => {
        this.fail('', e);
        release([]);
      });
    }
    return () => {
      f.closed = true;
      this.followers.delete(f);
    };
  }

  /** Deletes files older than the retention age (runs by itself when maxAgeMs is set). */
  prune(now = this.now()): void {
    for (const service of scanLogDir(this.dir).keys()) {
      const rotation = this.rotationOf.get(service) ?? this.rotation;
      if (rotation.maxAgeMs === undefined) continue;
      try {
        new LogFileSet(this.dir, service, rotation, () => undefined).pruneByAge(now);
      } catch (e) {
        this.fail(service, e);
      }
    }
  }

  /** Shutdown: unfinished lines are written as partial, every batch reaches disk, fds close. */
  close(): void {
    // end() also stops the idle timers, so nothing reopens a file after close.
    for (const w of this.writers.values()) w.end();
    this.flush();
    for (const [service, set] of this.sets) {
      try {
        set.close();
      } catch (e) {
        this.fail(service, e);
      }
    }
    this.sets.clear();
    this.writers.clear();
    this.followers.clear();
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = undefined;
  }

  private setFor(service: string): LogFileSet {
    let set = this.sets.get(service);
    if (!set) {
      set = new LogFileSet(this.dir, service, this.rotationFor(service), (s, recs) => this.notify(s, recs));
      set.seal = this.seals.get(service);
      this.sets.set(service, set);
    }
    return set;
  }

  /** Writes a service's batch; after an outage the gap record goes first, in the same write. */
  private flushSet(set: LogFileSet): void {
    this.dirty.delete(set);
    const service = set.service;
    const inOutage = this.outages.get(service) !== undefined;
    try {
      set.flush(inOutage ? this.outages.gapRecord(service) : undefined);
    } catch (e) {
      this.writeFailed(set, e);
      return;
    }
    if (inOutage) this.recovered(service);
  }

  /**
   * A write failed and was rolled back (no torn record). With "block" the batch
   * stays queued and the service's output is paused; otherwise it is dropped
   * and counted for the gap record. Either way a retry is armed.
   */
  private writeFailed(set: LogFileSet, e: unknown): void {
    const service = set.service;
    if (this.outages.begin(service, e, this.now())) {
      this.options.onError?.(this.writeError(service, e));
      this.healthChanged();
    }
    if (this.blocking.has(service)) {
      this.outages.setBlocked(service, true);
      this.writers.get(service)?.pauseProducer();
    }
    this.holdOrDrop(set);
    if (!this.retryTimer) {
      this.retryTimer = setInterval(() => this.retry(), this.options.retryMs ?? 5000);
      this.retryTimer.unref();
    }
  }

  /** In an outage: "block" keeps the batch (up to a bound) for the retry; otherwise it is dropped and counted. */
  private holdOrDrop(set: LogFileSet): void {
    if (this.blocking.has(set.service) && set.pendingBytes <= BLOCK_MAX_BYTES) return;
    const dropped = set.discard();
    if (dropped) this.outages.dropped(set.service, dropped);
  }

  /** Tries every service in an outage again; a quiet service still gets its gap record written. */
  private retry(): void {
    for (const service of this.outages.services()) {
      const set = this.sets.get(service);
      if (set) this.flushSet(set);
      else this.outages.end(service);
    }
    if (this.outages.size === 0 && this.retryTimer) {
      clearInterval(this.retryTimer);
      this.retryTimer = undefined;
    }
  }

  private recovered(service: string): void {
    const ended = this.outages.end(service);
    if (ended?.blocked) this.writers.get(service)?.resumeProducer();
    this.healthChanged();
  }

  private healthChanged(): void {
    this.options.onHealth?.(this.outages.health());
  }

  private writeError(service: string, e: unknown): HearthError {
    const where = `cannot write the log of "${service}" in "${this.dir}"`;
    const shortage = descriptorShortage(e, `write the log of "${service}"`);
    if (shortage) return shortage;
    const policy = this.blocking.has(service) ? 'its output is held and its pipe paused until space returns' : 'its records are dropped until space returns, then a gap record tells how many';
    if (isFullError(e)) return new HearthError('ERR_LOG_FULL', `${where}: ${reasonOf(e)}; ${policy}`, { cause: e });
    return new HearthError('ERR_LOG_IO', `${where}: ${reasonOf(e)}`, { cause: e });
  }

  private notify(service: string, records: RawRecord[]): void {
    if (this.followers.size === 0) return;
    const converted = new Map<RawRecord, LogRecord>();
    for (const f of this.followers) {
      if (f.names && !f.names.has(service)) continue;
      for (const raw of records) {
        if (!f.matcher.matches(raw)) continue;
        let r = converted.get(raw);
        if (!r) converted.set(raw, (r = toLogRecord(service, raw)));
        if (f.waiting) f.waiting.push(r);
        else this.deliver(f, r);
      }
    }
  }

  private deliver(f: Follower, r: LogRecord): void {
    if (f.closed) return;
    try {
      f.onRecord(r);
    } catch (e) {
      // A broken follower (a client gone away) must not break the writers.
      this.fail('', e);
    }
  }

  /** Where each service's current file ends now: a follow's backlog reads up to here. */
  private positions(names: string[] | undefined): Map<string, FilePosition | null> {
    const services = names && names.length > 0 ? names : [...new Set([...scanLogDir(this.dir).keys(), ...this.sets.keys()])];
    const out = new Map<string, FilePosition | null>();
    for (const service of services) {
      if (service.includes('/')) {
        out.set(service, null); // never a service; and never a path outside the log dir
        continue;
      }
      const open = this.sets.get(service)?.position();
      if (open) {
        out.set(service, open);
        continue;
      }
      try {
        const st = lstatSync(logFilePath(this.dir, service));
        out.set(service, { ino: st.ino, size: st.size });
      } catch {
        out.set(service, null);
      }
    }
    return out;
  }

  private read(q: LogQuery, upTo?: Map<string, FilePosition | null>): Promise<LogRecord[]> {
    return readJournal(this.dir, q, upTo);
  }

  /** A failure outside the write path (a query, a follower, pruning). */
  private fail(service: string, e: unknown): void {
    const err =
      e instanceof HearthError
        ? e
        : new HearthError('ERR_LOG_IO', service ? `journal: "${service}": ${reasonOf(e)}` : `journal: ${reasonOf(e)}`, { cause: e });
    this.options.onError?.(err);
  }
}
