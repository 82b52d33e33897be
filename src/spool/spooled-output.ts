import { closeSync } from 'node:fs';
import { ServiceLogWriter, tagRecord, type Journal, type RawRecord, type RecordSink, type SpoolTag } from '../journal/index.js';
import type { SpoolMode, SpoolPlace } from '../native/index.js';
import { SpoolReader } from './spool-reader.js';

export type OutputStream = 'out' | 'err';

/** A tag that also says how many of the reader's bytes it covers. */
export interface CountedTag extends SpoolTag {
  count: number;
}

/** One spool stream (a service's stdout, a worker's stderr, …) as hearthd reads it. */
export interface SpoolStream {
  key: string;
  stream: OutputStream;
  reader: SpoolReader;
  /** Bytes (reader counts) that became records. */
  emitted: number;
  /** Bytes that are in the journal, and the place that is. */
  journaled: number;
  journaledPlace: SpoolPlace;
  /** Reading stopped: too much read is not journaled yet. */
  limited: boolean;
  /** An ended stream's last place. */
  final?: SpoolPlace;
  /** A run ended: read up to what the helper holds (asked: waiting for its answer). */
  drainTo?: SpoolPlace | 'asked';
  /** An unfinished line waited long: is there really nothing more? (as drainTo) */
  probe?: SpoolPlace | 'asked';
  /** The helper answered while its pipe still held bytes (at its cap): ask again once more is journaled. */
  reask?: boolean;
}

/** What a SpooledOutput needs from the OutputSpool that owns it. */
export interface SpoolHost {
  readonly journal: Journal;
  readonly spoolDir: string;
  /** Read this output soon. */
  due(output: SpooledOutput): void;
  /** Tell the helper how far this stream got. */
  progress(output: SpooledOutput, stream: SpoolStream): void;
  /** Ask the helper to move everything in the pipe now. */
  drain(key: string): void;
  /** An ended output is journaled completely: its files may go. */
  finished(output: SpooledOutput): void;
}

/** Never hold more than this much read and not yet journaled, per stream. */
const READ_AHEAD = 1024 * 1024;
const CHUNK = 256 * 1024;
/** How long the end of a run waits for the helper's last bytes before flushing what it has. */
const FINISH_WAIT_MS = 2000;
/** An unfinished line (a prompt) is written as a partial record after this long without output. */
const IDLE_FLUSH_MS = 500;
/** The writer's own idle flush is replaced by ours (see idleCheck): never within a run. */
const NEVER_MS = 2_000_000_000;

/** The reading side of an output, made by startReading(): one object, so that an output not read holds a single empty field for it. */
interface Reading {
  streams: SpoolStream[];
  /** The output's own line writer (its RecordSink is the output). */
  writer: ServiceLogWriter;
  /** Detaches the output from its journal writer's flow control (on_log_full = "block"). */
  detachFlow: () => void;
  writerEnded: boolean;
  idleTimer: NodeJS.Timeout | undefined;
  /** When a round last read bytes, and when the current probe was sent. */
  lastRead: number;
  probeSent: number;
}

/** The streams of an output that reads nothing yet, and the descriptors of one that holds none. */
const NOT_READING: readonly SpoolStream[] = Object.freeze([]);
const NO_KEEPERS: readonly number[] = Object.freeze([]);

/** Read up to the helper's answer (none asked: nothing to wait for). */
function reached(st: SpoolStream, place: SpoolPlace | 'asked' | undefined): boolean {
  return place !== 'asked' && (place === undefined || st.reader.hasRead(place));
}

/**
 * The output of one writer of a journal service: a service's stdout and
 * stderr, or one pool worker's. Bytes come from the spool files; whole lines
 * go through a ServiceLogWriter of its own (so lines of different workers never
 * splice together) into the journal, each record tagged with the spool place
 * its last byte came from, so the journal's seal records how far it got.
 *
 * A service's output reads nothing until its first bytes are spooled: most
 * services (a sleep, a quiet daemon) never write, and made for each of them
 * the readers, the writer, their places and the spool's maps cost about 1.7 KiB
 * of hearthd's heap per service. Until startReading() the helper still drains
 * the pipes into spool files; only hearthd's side waits (see OutputSpool.wokenBy).
 */
export class SpooledOutput implements RecordSink {
  /** Made by startReading() (a worker's at once). */
  private reading: Reading | undefined;
  private listener: ((stream: OutputStream, chunk: Buffer) => void) | undefined;
  private finishTimer: NodeJS.Timeout | undefined;
  /** A run ended before anything was read: the helper's answers still awaited (see finish). */
  private quietAnswers = 0;
  private done = false;
  /** The journal cannot write (on_log_full = "block"): nothing is read, so the helper fills to its cap and the writer blocks. */
  private paused = false;
  private waiters: Array<() => void> | undefined;

  constructor(
    readonly owner: string,
    /** Its streams' keys are BASE.out and BASE.err: a service's name, or a worker's "POOL+ID". */
    readonly base: string,
    readonly mode: SpoolMode,
    private readonly host: SpoolHost,
    /** Descriptors kept open for the pipes' sake, closed when the output is finished. */
    private keepers: readonly number[] = NO_KEEPERS,
  ) {}

  /** Its streams as they are read; none until startReading(). */
  get streams(): readonly SpoolStream[] {
    return this.reading?.streams ?? NOT_READING;
  }

  get isReading(): boolean {
    return this.reading !== undefined;
  }

  key(stream: OutputStream): string {
    return `${this.base}.${stream}`;
  }

  /** Its two streams' keys, stdout's first. */
  keys(): [string, string] {
    return [this.key('out'), this.key('err')];
  }

  /**
   * Makes the reading side: a reader from `starts` for each stream (where the
   * journal got to), and this output's own line writer. The owner reads it next.
   */
  startReading(starts: Record<OutputStream, SpoolPlace>): readonly SpoolStream[] {
    if (this.reading) return this.reading.streams;
    const dir = this.host.spoolDir;
    const streams = (['out', 'err'] as const).map((stream) => {
      const key = this.key(stream);
      return { key, stream, reader: new SpoolReader(dir, key, starts[stream]), emitted: 0, journaled: 0, journaledPlace: starts[stream], limited: false };
    });
    const writer = new ServiceLogWriter(this.owner, this, { idleFlushMs: NEVER_MS });
    // on_log_full = "block": the journal pauses this reader while it cannot write the owner's log (paused at once if it is held now).
    const detachFlow = this.host.journal.writer(this.owner).attach(this);
    this.reading = { streams, writer, detachFlow, writerEnded: false, idleTimer: undefined, lastRead: 0, probeSent: 0 };
    if (this.finishTimer) {
      // A run ended while nothing was read, and its last bytes came: it ends again, this time reading them.
      clearTimeout(this.finishTimer);
      this.finishTimer = undefined;
      this.finish();
    }
    return streams;
  }

  /** Sees every chunk as it is read (readiness by log line). One listener: the current run's. */
  listen(listener: (stream: OutputStream, chunk: Buffer) => void): void {
    this.listener = listener;
  }

  unlisten(listener: (stream: OutputStream, chunk: Buffer) => void): void {
    if (this.listener === listener) this.listener = undefined;
  }

  /** The journal holds this service's output (its disk is full): stop reading. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.host.due(this);
  }

  /** An ended output whose records are all journaled. */
  get finished(): boolean {
    return this.done;
  }

  /** Resolves when a run's end is written (keep) or the output is finished (end). */
  settled(): Promise<void> {
    if (this.mode === 'keep' ? this.finishTimer === undefined : this.done) return Promise.resolve();
    return new Promise<void>((resolve) => (this.waiters ??= []).push(resolve));
  }

  /**
   * The helper's word on a stream: its newest generation and size ("s" answers a watch or a
   * drain). An answer settles a question (is there more?) only if the pipe was empty then.
   */
  onState(st: SpoolStream, place: SpoolPlace, answer: boolean, empty: boolean): void {
    st.reader.newestIs(place.gen);
    if (answer && (st.drainTo === 'asked' || st.probe === 'asked')) {
      if (!empty) st.reask = true;
      else {
        if (st.drainTo === 'asked') st.drainTo = place;
        if (st.probe === 'asked') st.probe = place;
      }
    }
    this.host.due(this);
  }

  onEnded(st: SpoolStream, place: SpoolPlace): void {
    st.reader.newestIs(place.gen);
    st.final = place;
    this.host.due(this);
  }

  /** Records up to `tag` reached the file (or were given up on). */
  committed(st: SpoolStream, tag: CountedTag): void {
    st.journaled = tag.count;
    st.journaledPlace = { gen: tag.gen, off: tag.off };
    this.host.progress(this, st);
    if (st.reask) {
      // The helper has room again: it moves what the pipe holds, and answers anew.
      st.reask = false;
      this.host.drain(st.key);
    }
    if (st.limited) {
      st.limited = false;
      this.host.due(this);
    }
    this.checkDone();
  }

  /**
   * The service's process ended: read what the helper still holds for it,
   * then write an unfinished last line as a partial record.
   */
  finish(): void {
    if (this.mode !== 'keep') return;
    if (!this.reading) {
      this.finishQuietly();
      return;
    }
    for (const st of this.streams) {
      st.drainTo = 'asked';
      this.host.drain(st.key);
    }
    if (this.finishTimer) clearTimeout(this.finishTimer);
    this.armFinish();
  }

  /**
   * The end of a run that wrote nothing hearthd has seen: the helper moves what
   * the pipes still hold, and answers. Bytes wake the reading side (see
   * startReading), which ends the run again; answers with nothing new end it
   * here, as does the wait running out (the helper restarting, say).
   */
  private finishQuietly(): void {
    this.quietAnswers = 2;
    for (const key of this.keys()) this.host.drain(key);
    if (this.finishTimer) clearTimeout(this.finishTimer);
    this.finishTimer = setTimeout(() => this.endQuietRun(), FINISH_WAIT_MS);
    this.finishTimer.unref();
  }

  /** The helper answered a drain of a stream not read, with nothing past where the journal is. */
  quietAnswer(): void {
    if (this.reading || this.finishTimer === undefined) return;
    if (--this.quietAnswers <= 0) this.endQuietRun();
  }

  private endQuietRun(): void {
    if (this.finishTimer) clearTimeout(this.finishTimer);
    this.finishTimer = undefined;
    // What the writer's end() does at the end of a run with output: the service's log file is let go of.
    this.host.journal.flushService(this.owner, true);
    this.wake();
  }

  private armFinish(): void {
    // While paused the last bytes cannot be read: the run ends once they are, never with a line cut short.
    this.finishTimer = setTimeout(() => (this.paused ? this.armFinish() : this.endRun()), FINISH_WAIT_MS);
    this.finishTimer.unref();
  }

  /** Reads and journals up to `budget` bytes. `more`: stopped by the budget, call again. */
  round(budget: number): { used: number; more: boolean } {
    const r = this.reading;
    if (this.paused || !r) return { used: 0, more: false };
    const writer = r.writer;
    let used = 0;
    let more = false;
    for (const st of this.streams) {
      for (;;) {
        if (used >= budget) {
          more = true;
          break;
        }
        if (st.reader.count - st.journaled >= READ_AHEAD) {
          st.limited = true;
          break;
        }
        const chunk = st.reader.read(Math.min(CHUNK, budget - used));
        if (!chunk) {
          // Caught up: the helper says when more comes.
          this.host.progress(this, st);
          break;
        }
        used += chunk.length;
        writer.write(st.stream, chunk);
        try {
          this.listener?.(st.stream, chunk);
        } catch {
          // a listener's trouble is not the output's
        }
      }
      st.reader.release();
    }
    if (used > 0) r.lastRead = Date.now();
    if (this.finishTimer && this.streams.every((st) => reached(st, st.drainTo))) this.endRun();
    if (this.streams.some((st) => st.probe) && this.streams.every((st) => reached(st, st.probe))) this.probed();
    if (this.holding()) this.armIdle();
    if (this.mode === 'end' && !r.writerEnded && this.streams.every((st) => st.final && st.reader.hasRead(st.final))) {
      r.writerEnded = true;
      writer.end();
      this.checkDone();
    }
    return { used, more };
  }

  /** Lets go of the pipes' descriptors (the output is finished, or hearthd stops). */
  closeKeepers(): void {
    const fds = this.keepers;
    this.keepers = NO_KEEPERS;
    for (const fd of fds) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  }

  /** RecordSink, for this output's own writer: each record is tagged with its spool place and goes to the journal. */
  append(service: string, r: RawRecord): void {
    const st = r.stream === 'err' ? this.streams[1]! : this.streams[0]!;
    st.emitted += r.payload.length + (r.partial ? 0 : 1);
    const place = st.reader.placeOf(st.emitted);
    const tag: CountedTag = { key: st.key, gen: place.gen, off: place.off, count: st.emitted };
    tagRecord(r, tag);
    this.host.journal.append(service, r);
  }

  /** RecordSink. */
  flushService(service: string, release: boolean): void {
    this.host.journal.flushService(service, release);
  }

  /** Bytes read that are not a record yet: an unfinished line. */
  private holding(): boolean {
    return this.streams.some((st) => st.reader.count > st.emitted);
  }

  private armIdle(): void {
    const r = this.reading;
    if (!r || r.idleTimer || r.writerEnded) return;
    r.idleTimer = setTimeout(() => this.idleCheck(r), IDLE_FLUSH_MS);
    r.idleTimer.unref();
  }

  /**
   * An unfinished line has waited IDLE_FLUSH_MS. That hearthd saw nothing
   * new does not mean the service wrote nothing: hearthd may have been busy,
   * or the helper held back at its cap. Only when the helper, asked now, has
   * nothing more is the line written as a partial record (a prompt).
   */
  private idleCheck(r: Reading): void {
    r.idleTimer = undefined;
    if (!this.holding() || r.writerEnded) return;
    if (this.streams.some((st) => st.probe)) {
      // No answer yet (the helper restarting, say): ask again; a line is never cut on a guess.
      r.probeSent = Date.now();
      for (const st of this.streams) if (st.probe === 'asked') this.host.drain(st.key);
      this.armIdle();
      return;
    }
    const quiet = Date.now() - r.lastRead;
    if (quiet < IDLE_FLUSH_MS) {
      r.idleTimer = setTimeout(() => this.idleCheck(r), IDLE_FLUSH_MS - quiet);
      r.idleTimer.unref();
      return;
    }
    r.probeSent = Date.now();
    for (const st of this.streams) {
      // An ended stream has nothing more by definition; the others are asked.
      st.probe = st.final ?? 'asked';
      if (!st.final) this.host.drain(st.key);
    }
  }

  private probed(): void {
    for (const st of this.streams) st.probe = undefined;
    const r = this.reading;
    if (r && r.lastRead < r.probeSent) r.writer.flushHeld();
  }

  private endRun(): void {
    if (this.finishTimer) clearTimeout(this.finishTimer);
    this.finishTimer = undefined;
    for (const st of this.streams) st.drainTo = undefined;
    this.reading?.writer.end();
    this.wake();
  }

  private checkDone(): void {
    const r = this.reading;
    if (this.done || !r?.writerEnded || !this.streams.every((st) => st.journaled === st.reader.count)) return;
    this.done = true;
    r.detachFlow();
    this.host.finished(this);
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = undefined;
    waiters?.forEach((w) => w());
  }
}
