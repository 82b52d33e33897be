import type { Socket } from 'node:net';
import type { OutputFifos } from './output-fifo.js';

/** Where a service's output goes: the journal's writer for it. */
export interface LogSink {
  write(stream: 'out' | 'err', chunk: Buffer): void;
  /** Put everything written so far on disk now (crash safety for output read from the FIFOs). */
  sync?(): void;
  /** The process ended: flush any unfinished line. */
  end(): void;
}

/** The journal splits lines longer than this and writes the pieces: nothing is left to carry then. */
const LONGEST_CARRIED_LINE = 16 * 1024;

/**
 * A service's stdout and stderr on their way to the journal. With FIFOs the
 * output outlives hearthd: the service writes into named pipes that the next
 * hearthd reads on from where the last one stopped. Without them, the
 * child's own pipes are read.
 */
export class ServiceOutput {
  private readers: { out: Socket; err: Socket; keepers: number[] } | undefined;
  private readonly carry: Record<'out' | 'err', Buffer> = { out: Buffer.alloc(0), err: Buffer.alloc(0) };

  constructor(
    private readonly name: string,
    private readonly sink: LogSink,
    private readonly fifos: OutputFifos | undefined,
    /** Sees every chunk as it arrives (readiness by log line). */
    private readonly onChunk: (stream: 'out' | 'err', chunk: Buffer) => void,
  ) {}

  /**
   * With FIFOs: the service's stdout/stderr fds (the caller closes them right
   * after spawn), plus hearthd's readers, opened once per service.
   */
  fdsForSpawn(): [number, number] | undefined {
    const fifos = this.fifos;
    if (!fifos) return undefined;
    this.openReaders();
    const paths = fifos.paths(this.name);
    return [fifos.openForService(paths.out), fifos.openForService(paths.err)];
  }

  closeSpawnFds(fds: [number, number]): void {
    for (const fd of fds) this.fifos!.closeFd(fd);
  }

  /** A child with its own pipes (no FIFOs): read them. */
  attachPipes(stdout: NodeJS.ReadableStream | null, stderr: NodeJS.ReadableStream | null): void {
    stdout?.on('data', (chunk: Buffer) => this.chunk('out', chunk));
    stderr?.on('data', (chunk: Buffer) => this.chunk('err', chunk));
  }

  /**
   * Opens hearthd's reading ends (for a fresh spawn or an adopted service).
   * The readers never see EOF because a keeper fd stays open beside them.
   */
  openReaders(): void {
    const fifos = this.fifos;
    if (!fifos || this.readers) return;
    fifos.ensure([this.name]);
    const paths = fifos.paths(this.name);
    const out = fifos.openReader(paths.out);
    const err = fifos.openReader(paths.err);
    // Bytes a crashed hearthd had read but not yet written as a whole line come first.
    for (const stream of ['out', 'err'] as const) {
      const carried = fifos.readCarry(this.name, stream);
      if (carried) {
        this.carry[stream] = carried;
        this.sink.write(stream, carried);
      }
    }
    out.on('data', (chunk: Buffer) => this.fifoChunk('out', chunk));
    err.on('data', (chunk: Buffer) => this.fifoChunk('err', chunk));
    const ignore = () => undefined;
    out.on('error', ignore);
    err.on('error', ignore);
    this.readers = { out, err, keepers: [fifos.openForService(paths.out), fifos.openForService(paths.err)] };
  }

  /** The process ended: flush an unfinished line. */
  end(): void {
    this.sink.end();
  }

  close(): void {
    if (!this.readers) return;
    this.readers.out.destroy();
    this.readers.err.destroy();
    for (const fd of this.readers.keepers) this.fifos?.closeFd(fd);
    this.readers = undefined;
  }

  /**
   * Output read from a FIFO has left the pipe: a kill -9 of hearthd before it
   * is on disk would lose it. So each chunk is written through at once, and the
   * unfinished last line (held in memory until its newline) is kept in a small
   * carry file the next hearthd starts from.
   */
  private fifoChunk(stream: 'out' | 'err', chunk: Buffer): void {
    this.chunk(stream, chunk);
    this.sink.sync?.();
    const nl = chunk.lastIndexOf(10);
    const before = this.carry[stream];
    let tail = nl >= 0 ? chunk.subarray(nl + 1) : before.length ? Buffer.concat([before, chunk]) : chunk;
    if (tail.length >= LONGEST_CARRIED_LINE) tail = Buffer.alloc(0);
    this.carry[stream] = Buffer.from(tail);
    if (tail.length > 0 || before.length > 0) this.fifos?.writeCarry(this.name, stream, tail);
  }

  private chunk(stream: 'out' | 'err', chunk: Buffer): void {
    this.sink.write(stream, chunk);
    this.onChunk(stream, chunk);
  }
}
