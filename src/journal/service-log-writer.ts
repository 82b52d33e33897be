import { LineSplitter, DEFAULT_MAX_LINE } from './line-splitter.js';
import type { RawRecord } from './format.js';

/** What a ServiceLogWriter needs from its owner (the Journal). */
export interface RecordSink {
  /** Queues a record for `service`; the sink batches and schedules the write. */
  append(service: string, r: RawRecord): void;
  /** Writes everything queued for `service` now and, with release, closes its fd. */
  flushService(service: string, release: boolean): void;
}

export interface ServiceLogWriterOptions {
  /** Flush an unfinished line after this long without output (a prompt). Default 500 ms. */
  idleFlushMs?: number;
  /** Lines longer than this are split into partial records. Default 16 KiB. */
  maxLineBytes?: number;
  /** Clock, for tests. */
  now?: () => number;
}

type OutputStream = 'out' | 'err';

/**
 * The producer side of a service's output (its pipes, its spool, a pool
 * worker's): with on_log_full = "block" the journal pauses reading them while
 * the log cannot be written, so the service blocks in write() instead of
 * losing lines.
 */
export interface FlowControl {
  pause(): void;
  resume(): void;
}

interface StreamState {
  splitter: LineSplitter;
  /** Arrival time of the first byte still held back. */
  heldSince: number;
  /** The next segment begins a line (the last one ended with its newline). */
  atLineStart: boolean;
  /** The `<N>` prefix of the line being continued, for its later pieces. */
  linePriority: number | undefined;
}

const LT = 0x3c;
const GT = 0x3e;

/**
 * A line that starts with `<0>`…`<7>` says its own syslog priority, as
 * sd-daemon(3) defines for stdout/stderr and journald reads it: the prefix is
 * stripped and kept as the record's priority.
 */
export function levelPrefix(line: Buffer): number | undefined {
  if (line.length < 3 || line[0] !== LT || line[2] !== GT) return undefined;
  const d = line[1]! - 0x30;
  return d >= 0 && d <= 7 ? d : undefined;
}

/**
 * Captures one service's stdout and stderr: splits the byte stream into lines,
 * stamps each with its arrival time and hands them to the journal. Created once
 * per service by hearthd; survives restarts of the service (end() at each exit).
 */
export class ServiceLogWriter {
  /** Made with the first output: a writer only used for flow control (the spool reads the output) never needs them. */
  private streams: Record<OutputStream, StreamState> | undefined;
  private readonly maxLine: number;
  private readonly idleFlushMs: number;
  private readonly now: () => number;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Every reader of this service's output: one per run, or one per pool worker (made with the first). */
  private flows: Set<FlowControl> | undefined;
  private paused = false;

  constructor(
    readonly service: string,
    private readonly sink: RecordSink,
    options: ServiceLogWriterOptions = {},
  ) {
    this.maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE;
    this.idleFlushMs = options.idleFlushMs ?? 500;
    this.now = options.now ?? Date.now;
  }

  private stream(stream: OutputStream): StreamState {
    this.streams ??= {
      out: { splitter: new LineSplitter(this.maxLine), heldSince: 0, atLineStart: true, linePriority: undefined },
      err: { splitter: new LineSplitter(this.maxLine), heldSince: 0, atLineStart: true, linePriority: undefined },
    };
    return this.streams[stream];
  }

  /**
   * Connects a reader of the service's output (a run's pipes, a pool worker's);
   * returns the detach for when it closes. A reader that starts while the
   * journal holds the service's output is paused at once.
   */
  attach(flow: FlowControl): () => void {
    (this.flows ??= new Set()).add(flow);
    if (this.paused) flow.pause();
    return () => {
      this.flows?.delete(flow);
    };
  }

  /** The journal cannot write this service's records: stop reading its output. */
  pauseProducer(): void {
    if (this.paused) return;
    this.paused = true;
    this.flows?.forEach((flow) => flow.pause());
  }

  /** Writing works again. */
  resumeProducer(): void {
    if (!this.paused) return;
    this.paused = false;
    this.flows?.forEach((flow) => flow.resume());
    this.armIdle();
  }

  get producerPaused(): boolean {
    return this.paused;
  }

  /** Feeds a chunk as read from the service's pipe. Never throws for odd bytes. */
  write(stream: OutputStream, chunk: Buffer | Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (bytes.length === 0) return;
    const now = this.now();
    const s = this.stream(stream);
    const heldBefore = s.splitter.buffered;
    const segments = s.splitter.push(bytes);
    // A line is stamped when it is complete (its newline arrived), as journald does;
    // only a tail flushed without newline carries the time its first byte came.
    for (const seg of segments) this.sink.append(this.service, this.record(s, now, stream, seg.payload, seg.partial));
    if (s.splitter.buffered > 0 && (heldBefore === 0 || segments.length > 0)) s.heldSince = now;
    this.armIdle();
  }

  /**
   * The service exited (or its pipes closed): unfinished lines are written as
   * partial records, everything reaches the file, and the fd is released.
   */
  end(): void {
    this.clearIdle();
    this.flushHeld();
    this.sink.flushService(this.service, true);
  }

  /** Puts everything written so far on disk now (output read straight from the FIFOs); the file stays open. */
  sync(): void {
    this.sink.flushService(this.service, false);
  }

  /** Writes held-back unfinished lines as partial records (what the idle timer does). */
  flushHeld(): void {
    if (!this.streams) return;
    for (const stream of ['out', 'err'] as const) {
      const s = this.streams[stream];
      const seg = s.splitter.flush();
      if (seg) this.sink.append(this.service, this.record(s, s.heldSince, stream, seg.payload, true));
    }
  }

  /**
   * One segment as a record: a `<N>` prefix at the start of a line is taken
   * off and becomes the priority of every piece of that line. A stderr line
   * without one keeps no priority: readers count it as err (effectivePriority).
   */
  private record(s: StreamState, ts: number, stream: OutputStream, payload: Buffer, partial: boolean): RawRecord {
    if (s.atLineStart) {
      s.linePriority = levelPrefix(payload);
      if (s.linePriority !== undefined) payload = payload.subarray(3);
    }
    s.atLineStart = !partial;
    const r: RawRecord = { ts, stream, payload };
    if (partial) r.partial = true;
    if (s.linePriority !== undefined) r.priority = s.linePriority;
    return r;
  }

  private armIdle(): void {
    this.clearIdle();
    if (!this.streams || (this.streams.out.splitter.buffered === 0 && this.streams.err.splitter.buffered === 0)) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      // Paused, the rest of the line waits in the pipe unread: it is not a prompt. resumeProducer re-arms.
      if (!this.paused) this.flushHeld();
    }, this.idleFlushMs);
    // A held prompt must not keep hearthd (or a test) alive.
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}
