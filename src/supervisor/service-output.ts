import type { Socket } from 'node:net';
import type { SpooledOutput } from '../spool/index.js';
import type { OutputFifos } from './output-fifo.js';
import { FifoPath } from './service-stdio.js';

/** A reader of a service's output that the journal can stop while it cannot write (on_log_full = "block"). */
export interface OutputFlow {
  pause(): void;
  resume(): void;
}

/** Where a service's output goes: the journal's writer for it. */
export interface LogSink {
  write(stream: 'out' | 'err', chunk: Buffer): void;
  /** Put everything written so far on disk now (output read straight from the FIFOs). */
  sync?(): void;
  /** The process ended: flush any unfinished line. */
  end(): void;
  /** Registers a reader to pause while the journal holds this service's output; returns the detach. */
  attach?(flow: OutputFlow): () => void;
}

/**
 * Pipes hearthd reads itself, as an OutputFlow: paused, they are not read, so
 * the writer blocks once the pipe is full. (With the spool the spool pauses.)
 */
export function pausePipes(sink: LogSink, pipes: Array<NodeJS.ReadableStream | null | undefined>): () => void {
  const present = pipes.filter((p): p is NodeJS.ReadableStream => p !== null && p !== undefined);
  if (present.length === 0 || !sink.attach) return () => undefined;
  return sink.attach({
    pause: () => present.forEach((p) => p.pause()),
    resume: () => present.forEach((p) => p.resume()),
  });
}

type Listener = (stream: 'out' | 'err', chunk: Buffer) => void;

/**
 * A service's stdout and stderr on their way to the journal. With FIFOs the
 * output outlives hearthd: the service writes into named pipes, which the
 * hearth-spool helper drains into spool files that are journaled exactly once
 * (src/spool), or, without the helper, which hearthd reads itself. Without
 * FIFOs, the child's own pipes are read.
 */
export class ServiceOutput {
  private readers: { out: Socket; err: Socket } | undefined;
  /** hearthd's own hold on the pipes (OutputFifos.hold; empty when none was given); set once the pipes are taken up. */
  private keepers: number[] | undefined;
  private spooled: SpooledOutput | undefined;
  /** Detaches the FIFO readers (no spool helper) from the journal's flow control. */
  private detachFifoFlow: (() => void) | undefined;
  /** Detaches each child's own pipes still open (the main process, a control command): one per child; made with the first. */
  private pipeFlows: Set<() => void> | undefined;

  constructor(
    private readonly name: string,
    private readonly sink: LogSink,
    private readonly fifos: OutputFifos | undefined,
    /** Sees every chunk as it arrives (readiness by log line). */
    private readonly onChunk: Listener,
  ) {}

  /** With FIFOs: their paths, for a spawn that opens them itself (hearth-spawner), so hearthd holds nothing for it. */
  fifoPathsForSpawn(): [FifoPath, FifoPath] | undefined {
    const fifos = this.fifos;
    if (!fifos) return undefined;
    this.openReaders();
    const paths = fifos.paths(this.name);
    return [new FifoPath(paths.out), new FifoPath(paths.err)];
  }

  /** With FIFOs: the service's stdout/stderr fds, for Node's spawn (the caller closes them right after it). */
  fdsForSpawn(): [number, number] | undefined {
    const paths = this.fifoPathsForSpawn();
    return paths && [this.fifos!.openForService(paths[0].path), this.fifos!.openForService(paths[1].path)];
  }

  closeSpawnFds(fds: [number, number]): void {
    for (const fd of fds) this.fifos!.closeFd(fd);
  }

  /**
   * A child with its own pipes (no FIFOs): read them, paused with the rest
   * until they close. A child spawned onto the FIFOs has none (null): its
   * output is the FIFO readers', which stay attached.
   */
  attachPipes(stdout: NodeJS.ReadableStream | null, stderr: NodeJS.ReadableStream | null): void {
    const present = [stdout, stderr].filter((p): p is NodeJS.ReadableStream => p !== null);
    if (present.length === 0) return;
    stdout?.on('data', (chunk: Buffer) => this.chunk('out', chunk));
    stderr?.on('data', (chunk: Buffer) => this.chunk('err', chunk));
    const detach = pausePipes(this.sink, present);
    (this.pipeFlows ??= new Set()).add(detach);
    let open = present.length;
    for (const pipe of present) {
      pipe.once('close', () => {
        if (--open > 0) return;
        detach();
        this.pipeFlows?.delete(detach);
      });
    }
  }

  /** Takes up the service's pipes (for a fresh spawn or an adopted service). */
  openReaders(): void {
    const fifos = this.fifos;
    if (!fifos || this.keepers) return;
    fifos.ensure([this.name]);
    const paths = fifos.paths(this.name);
    this.keepers = fifos.hold(this.name) ?? [];
    if (fifos.spool) {
      this.spooled = fifos.spool.service(this.name);
      this.spooled.listen(this.onChunk);
      return;
    }
    const out = fifos.openReader(paths.out);
    const err = fifos.openReader(paths.err);
    out.on('data', (chunk: Buffer) => this.fifoChunk('out', chunk));
    err.on('data', (chunk: Buffer) => this.fifoChunk('err', chunk));
    const ignore = () => undefined;
    out.on('error', ignore);
    err.on('error', ignore);
    this.readers = { out, err };
    this.detachFifoFlow = pausePipes(this.sink, [out, err]);
  }

  /** The process ended: its last bytes are read and an unfinished line is flushed. */
  end(): void {
    if (this.spooled) this.spooled.finish();
    else this.sink.end();
  }

  close(): void {
    this.spooled?.unlisten(this.onChunk);
    this.spooled = undefined;
    this.readers?.out.destroy();
    this.readers?.err.destroy();
    this.readers = undefined;
    this.detachFifoFlow?.();
    this.detachFifoFlow = undefined;
    this.pipeFlows?.forEach((detach) => detach());
    this.pipeFlows = undefined;
    if (this.keepers) this.fifos?.release(this.keepers);
    this.keepers = undefined;
  }

  /** Read straight from a FIFO (no spool helper): written through at once, to keep the loss on a kill small. */
  private fifoChunk(stream: 'out' | 'err', chunk: Buffer): void {
    this.chunk(stream, chunk);
    this.sink.sync?.();
  }

  private chunk(stream: 'out' | 'err', chunk: Buffer): void {
    this.sink.write(stream, chunk);
    this.onChunk(stream, chunk);
  }
}
