import { constants, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SpoolLedger, type Journal, type SpoolTag } from '../journal/index.js';
import { NATIVE_HELPERS, SpoolHelper, SPOOL_HELPER, nativeHelperPath, type SpoolMode, type SpoolPlace } from '../native/index.js';
import { FifoStock } from './fifo-stock.js';
import { SpooledOutput, type CountedTag, type SpoolHost, type SpoolStream } from './spooled-output.js';

export interface OutputSpoolOptions {
  journal: Journal;
  /** FIFOs go to RUNTIME_DIR/output, spool files to RUNTIME_DIR/spool, the helper's socket is RUNTIME_DIR/spool.sock. */
  runtimeDir: string;
  /** The helper binary; undefined finds the built one. */
  helperPath?: string;
  capBytes?: number;
  rotateBytes?: number;
  onNotice?: (level: 'warn' | 'error' | 'info', message: string) => void;
}

/** A pool worker's output: the descriptors to give it as stdout and stderr (close them after spawn), and its reader. */
export interface WorkerOutput {
  fds: [number, number];
  output: SpooledOutput;
}

/** Bytes read per turn of the event loop, across all outputs and for one. */
const TICK_BUDGET = 4 * 1024 * 1024;
const OUTPUT_BUDGET = 1024 * 1024;
const RETRY_WATCH_MS = 5000;
const READ_RETRY_MS = 1000;
const SPOOL_FILE = /^(.+\.(?:out|err))\.(\d+)$/;
const WORKER_FIFO = /^([^+]+\+[^+]+)\.(?:out|err)$/;
const STREAM_KEY = /^(.+)\.(out|err)$/;
/** Where a stream starts that nothing of was journaled or spooled: shared, places are never changed in place. */
const NOWHERE: SpoolPlace = Object.freeze({ gen: 0, off: 0 });
/** Generations looked at past a stream's start for spooled bytes (the helper keeps a handful). */
const GENERATIONS_LOOKED_AT = 64;

/**
 * The durable path of service output: services write into FIFOs, hearth-spool
 * moves the bytes into spool files, and this reads the spool files into the
 * journal, where each write records how far it got (SpoolLedger). Whatever is
 * killed (hearthd, the helper, both), every byte is in a pipe, a spool file or
 * the journal, and a new hearthd continues from the journal's own record of
 * its progress: no line is lost, none is written twice.
 */
export class OutputSpool implements SpoolHost {
  readonly journal: Journal;
  readonly fifoDir: string;
  readonly spoolDir: string;
  private readonly helper: SpoolHelper;
  /** The seal keepers of pools, and of services whose journal names a spool stream or that have output (see service()). */
  private readonly ledgers = new Map<string, SpoolLedger>();
  /** The streams that are read: a service's from its first output on, a worker's from its start. */
  private readonly byKey = new Map<string, { output: SpooledOutput; st: SpoolStream }>();
  private readonly services = new Map<string, SpooledOutput>();
  private readonly workers = new Set<SpooledOutput>();
  /** Every ledger's one commit callback. */
  private readonly onCommit = (tags: SpoolTag[]): void => this.committed(tags);
  private readonly stock: FifoStock;
  /** Keys with spool files or worker pipes at start, with the oldest generation found. */
  private leftovers = new Map<string, number>();
  private readonly dueSet = new Set<SpooledOutput>();
  /** Outputs whose last read failed (said once until one succeeds). */
  private readonly unreadable = new Set<SpooledOutput>();
  private roundScheduled = false;
  private readonly progressSet = new Map<SpoolStream, SpooledOutput>();
  private progressScheduled = false;

  /**
   * undefined when the helper was not built (or HEARTH_SPOOL=off): output is
   * then read from the FIFOs directly. HEARTH_SPOOL_CAP_BYTES and
   * HEARTH_SPOOL_ROTATE_BYTES change the helper's limits (tests make them small).
   */
  static create(options: OutputSpoolOptions, env: NodeJS.ProcessEnv = process.env): OutputSpool | undefined {
    if (env.HEARTH_SPOOL === 'off') {
      // The helper is there, so the start report of missing helpers says nothing: say it here, once.
      const without = NATIVE_HELPERS.find((h) => h.name === SPOOL_HELPER)?.without ?? 'hearthd reads service output from its pipes itself';
      options.onNotice?.('warn', `HEARTH_SPOOL=off: ${SPOOL_HELPER} is not used; ${without}`);
      return undefined;
    }
    const helperPath = options.helperPath ?? nativeHelperPath(SPOOL_HELPER);
    if (!helperPath) return undefined;
    const bytes = (v: string | undefined) => (v && /^[1-9]\d{0,15}$/.test(v) ? Number(v) : undefined);
    const capBytes = options.capBytes ?? bytes(env.HEARTH_SPOOL_CAP_BYTES);
    const rotateBytes = options.rotateBytes ?? bytes(env.HEARTH_SPOOL_ROTATE_BYTES);
    return new OutputSpool({ ...options, helperPath, ...(capBytes ? { capBytes } : {}), ...(rotateBytes ? { rotateBytes } : {}) });
  }

  private constructor(private readonly options: OutputSpoolOptions & { helperPath: string }) {
    this.journal = options.journal;
    this.fifoDir = join(options.runtimeDir, 'output');
    this.spoolDir = join(options.runtimeDir, 'spool');
    mkdirSync(this.fifoDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.spoolDir, { recursive: true, mode: 0o700 });
    this.stock = new FifoStock(this.fifoDir);
    this.helper = new SpoolHelper(
      {
        helperPath: options.helperPath,
        socketPath: join(options.runtimeDir, 'spool.sock'),
        spoolDir: this.spoolDir,
        fifoDir: this.fifoDir,
        ...(options.capBytes ? { capBytes: options.capBytes } : {}),
        ...(options.rotateBytes ? { rotateBytes: options.rotateBytes } : {}),
        ...(options.onNotice ? { onNotice: options.onNotice } : {}),
      },
      {
        state: (key, gen, size, answer, empty) => {
          const r = this.byKey.get(key) ?? this.wokenBy(key, { gen, off: size }, answer, empty);
          r?.output.onState(r.st, { gen, off: size }, answer, empty);
        },
        ended: (key, gen, size) => {
          const r = this.byKey.get(key);
          r?.output.onEnded(r.st, { gen, off: size });
        },
        failed: (key, message) => this.failed(key, message),
        watching: (say) => {
          // An ended stream (a worker's, "z") is not watched again: the helper let go of it.
          for (const { output, st } of this.byKey.values()) if (!st.final) say(st.key, output.mode, st.journaledPlace, st.reader.place);
          for (const output of this.services.values()) {
            if (output.isReading) continue;
            for (const key of output.keys()) {
              const start = this.startOf(output.owner, key);
              say(key, 'keep', start, start);
            }
          }
        },
      },
    );
  }

  /**
   * Connects to the helper (starting it if need be) and takes up what a
   * previous hearthd left: spool files not yet journaled, workers' pipes.
   */
  async open(): Promise<void> {
    this.leftovers = this.scan();
    await this.helper.open();
    for (const key of this.leftovers.keys()) {
      // Journaled before the definitions load: not rotated by the defaults meanwhile.
      this.journal.awaitRotation(key.replace(/\.(out|err)$/, '').replace(/\+.*$/, ''));
      const worker = key.includes('+') ? key.replace(/\.(out|err)$/, '') : undefined;
      if (worker) {
        if (!this.byKey.has(`${worker}.out`)) this.orphan(worker);
      } else this.service(key.replace(/\.(out|err)$/, ''));
    }
  }

  /** The definitions are loaded: output taken up before them is rotated by its service's settings, or the defaults. */
  definitionsLoaded(): void {
    this.journal.rotationSettled();
  }

  /**
   * The output of service `name`: one for hearthd's whole life, through every
   * run and reload. The helper drains its pipes from now on; hearthd reads
   * them from the first bytes spooled (see wokenBy), or at once if a previous
   * hearthd left bytes it had not journaled.
   */
  service(name: string): SpooledOutput {
    let o = this.services.get(name);
    if (o) return o;
    o = new SpooledOutput(name, name, 'keep', this);
    this.services.set(name, o);
    if (!this.ledgers.has(name)) {
      const ledger = this.recovered(name);
      // A journal that names no spool stream of it has no place to keep: the ledger is made with the first output (read()).
      if (ledger.keys().length > 0) this.install(ledger);
    }
    let leftBytes = false;
    for (const key of o.keys()) {
      const start = this.startOf(name, key);
      this.helper.watch(key, 'keep', start, start);
      if (this.leftovers.has(key) && this.spooledPast(key, start)) leftBytes = true;
    }
    if (leftBytes) this.read(o);
    return o;
  }

  /** How many outputs there are and how many of their streams are read (have readers): for tests and the bench. */
  census(): { services: number; workers: number; streamsRead: number } {
    return { services: this.services.size, workers: this.workers.size, streamsRead: this.byKey.size };
  }

  /** Outputs for the workers of pool `name`: each worker gets its own pipes and spool. */
  pool(name: string): { open(): WorkerOutput } {
    return { open: () => this.worker(name) };
  }

  /** hearthd stops: every service's last bytes are read and journaled (workers' too, as they end). */
  async drainAll(timeoutMs = 3000): Promise<void> {
    for (const o of this.services.values()) o.finish();
    const all = Promise.all([...this.services.values(), ...this.workers].map((o) => o.settled()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Tells the helper the last positions and to exit (deleting what is fully journaled). */
  async close(): Promise<void> {
    this.stock.clear();
    this.flushProgress();
    await this.helper.close();
    for (const o of this.workers) o.closeKeepers();
  }

  // --- SpoolHost --------------------------------------------------------------

  due(output: SpooledOutput): void {
    this.dueSet.add(output);
    if (this.roundScheduled) return;
    this.roundScheduled = true;
    setImmediate(() => this.rounds());
  }

  progress(output: SpooledOutput, st: SpoolStream): void {
    this.progressSet.set(st, output);
    if (this.progressScheduled) return;
    this.progressScheduled = true;
    setImmediate(() => this.flushProgress());
  }

  drain(key: string): void {
    this.helper.drain(key);
  }

  finished(output: SpooledOutput): void {
    const ledger = this.ledgers.get(output.owner);
    for (const st of output.streams) {
      // The files go first: a stream the seal no longer names must have none left.
      for (const path of st.reader.paths()) rmSync(path, { force: true });
      rmSync(join(this.fifoDir, st.key), { force: true });
      this.byKey.delete(st.key);
      this.progressSet.delete(st);
      ledger?.forget(st.key);
    }
    output.closeKeepers();
    this.workers.delete(output);
  }

  // --- internals --------------------------------------------------------------

  private worker(pool: string): WorkerOutput {
    const base = this.stock.take(pool);
    const paths = [join(this.fifoDir, `${base}.out`), join(this.fifoDir, `${base}.err`)];
    // A reader of our own first: the helper may be restarting, and a pipe without readers kills its writer.
    const keepers = paths.map((p) => openSync(p, constants.O_RDONLY | constants.O_NONBLOCK));
    // The write ends open before the helper watches: from then on, "no writer left" means the worker is done.
    const fds = paths.map((p) => openSync(p, constants.O_WRONLY)) as [number, number];
    const output = this.startWorker(pool, base, keepers);
    return { fds, output };
  }

  /** A worker of a previous hearthd: read what it left, to its end. */
  private orphan(base: string): void {
    this.startWorker(base.slice(0, base.indexOf('+')), base);
  }

  /** A worker's output is read from its start: its pipes end with it, and the spool is done only once they are read. */
  private startWorker(pool: string, base: string, keepers?: number[]): SpooledOutput {
    if (!this.ledgers.has(pool)) this.install(this.recovered(pool));
    const output = new SpooledOutput(pool, base, 'end', this, keepers);
    this.workers.add(output);
    for (const st of this.read(output)) this.helper.watch(st.key, 'end', st.journaledPlace, st.reader.place);
    return output;
  }

  /**
   * Starts reading an output, where its journal got to. A service's ledger is
   * made here if its journal named none of its streams (see service()): nothing
   * has written a seal for it since, so there is nothing to recover.
   */
  private read(output: SpooledOutput): readonly SpoolStream[] {
    if (output.isReading) return output.streams;
    if (!this.ledgers.has(output.owner)) this.install(new SpoolLedger(output.owner));
    const streams = output.startReading({ out: this.startOf(output.owner, output.key('out')), err: this.startOf(output.owner, output.key('err')) });
    for (const st of streams) this.byKey.set(st.key, { output, st });
    this.due(output);
    return streams;
  }

  /**
   * The helper's word on a stream that is not read: its first bytes (or a
   * previous hearthd's unjournaled ones) start the reading, and the word is
   * then the reader's. An answer with nothing new is the end of a quiet run.
   */
  private wokenBy(key: string, newest: SpoolPlace, answer: boolean, empty: boolean): { output: SpooledOutput; st: SpoolStream } | undefined {
    const name = STREAM_KEY.exec(key)?.[1];
    const output = name === undefined ? undefined : this.services.get(name);
    if (!output || output.isReading) return undefined;
    const start = this.startOf(name!, key);
    // A pipe not empty when the helper answered: bytes are coming, which is what reading is for.
    if (this.spooledPast(key, start, newest) || (answer && !empty)) {
      this.read(output);
      return this.byKey.get(key);
    }
    // Having said this, the helper announces nothing more until told how far hearthd got: up to its
    // newest place, as nothing lies between (a place before it would be announced again at once).
    const later = newest.gen > start.gen || (newest.gen === start.gen && newest.off > start.off);
    this.helper.progress(key, start, later ? newest : start);
    if (answer) output.quietAnswer();
    return undefined;
  }

  /** Where the journal got to in stream `key` of `owner` (the start of what a previous hearthd left, or nothing). */
  private startOf(owner: string, key: string): SpoolPlace {
    const point = this.ledgers.get(owner)?.point(key);
    if (point) return point;
    const gen = this.leftovers.get(key);
    return gen ? { gen, off: 0 } : NOWHERE;
  }

  /**
   * Are there bytes of stream `key` in the spool past `from`? `newest` is the
   * helper's current generation and its size; without it the files say.
   * Generations between are looked at on disk: the helper may have moved on to
   * a new, empty one while an older one still holds bytes.
   */
  private spooledPast(key: string, from: SpoolPlace, newest?: SpoolPlace): boolean {
    if (newest) {
      if (newest.gen === from.gen) return newest.off > from.off;
      if (newest.gen < from.gen || newest.off > 0 || newest.gen - from.gen > GENERATIONS_LOOKED_AT) return true;
    }
    const last = newest ? newest.gen - 1 : from.gen + GENERATIONS_LOOKED_AT;
    for (let gen = from.gen; gen <= last; gen++) {
      const size = fileSize(join(this.spoolDir, `${key}.${gen}`));
      if (size === undefined) {
        // The journaled generation may be finished and gone while the next one holds bytes (the helper looks there too).
        if (newest || gen === from.gen) continue;
        return false;
      }
      if (size > (gen === from.gen ? from.off : 0)) return true;
    }
    return false;
  }

  /** Recovers the seal keeper of a journal service from its files; done before anything of it is written. */
  private recovered(owner: string): SpoolLedger {
    const ledger = new SpoolLedger(owner);
    this.journal.flushService(owner, true);
    ledger.recover(this.journal.dir);
    // Workers finished just before a crash: their files are gone, so the seal need not name them.
    for (const key of ledger.keys()) if (key.includes('+') && !this.leftovers.has(key)) ledger.forget(key);
    return ledger;
  }

  /** From now on every write to the ledger's service carries its seal. */
  private install(ledger: SpoolLedger): void {
    ledger.onCommit = this.onCommit;
    this.journal.sealWith(ledger.service, ledger);
    this.ledgers.set(ledger.service, ledger);
  }

  private committed(tags: SpoolTag[]): void {
    for (const tag of tags) {
      const r = this.byKey.get(tag.key);
      if (r) r.output.committed(r.st, tag as CountedTag);
    }
  }

  private rounds(): void {
    this.roundScheduled = false;
    let budget = TICK_BUDGET;
    for (const output of [...this.dueSet]) {
      if (budget <= 0) break;
      this.dueSet.delete(output);
      if (output.finished) continue;
      let r: { used: number; more: boolean };
      try {
        r = output.round(Math.min(OUTPUT_BUDGET, budget));
      } catch (e) {
        this.readFailed(output, e as Error);
        continue;
      }
      this.unreadable.delete(output);
      budget -= r.used;
      if (r.more) this.dueSet.add(output);
    }
    this.flushProgress();
    if (this.dueSet.size > 0 && !this.roundScheduled) {
      this.roundScheduled = true;
      setImmediate(() => this.rounds());
    }
  }

  private flushProgress(): void {
    this.progressScheduled = false;
    for (const st of this.progressSet.keys()) this.helper.progress(st.key, st.journaledPlace, st.reader.place);
    this.progressSet.clear();
  }

  /**
   * A spool file could not be read (out of descriptors, say): said once per
   * output until it reads again, and tried again later. Its bytes stay in the
   * spool and the pipe meanwhile; hearthd carries on.
   */
  private readFailed(output: SpooledOutput, e: Error): void {
    if (!this.unreadable.has(output)) {
      this.unreadable.add(output);
      this.options.onNotice?.('error', `output of "${output.owner}": cannot read its spool: ${e.message}; trying again every ${READ_RETRY_MS / 1000} s`);
    }
    setTimeout(() => {
      if (!output.finished) this.due(output);
    }, READ_RETRY_MS).unref();
  }

  private failed(key: string, message: string): void {
    const name = STREAM_KEY.exec(key)?.[1];
    const output = this.byKey.get(key)?.output ?? (name === undefined ? undefined : this.services.get(name));
    this.options.onNotice?.('error', output ? `output of "${output.owner}" (${key}): ${message}` : `"${SPOOL_HELPER}": ${message}`);
    if (!output || output.mode !== 'keep') return;
    // A stream the helper could not take up (a full disk, say) is asked for again; its bytes wait in the pipe.
    setTimeout(() => {
      const r = this.byKey.get(key);
      if (r) this.helper.watch(key, 'keep', r.st.journaledPlace, r.st.reader.place);
      else this.helper.watch(key, 'keep', this.startOf(output.owner, key), this.startOf(output.owner, key));
    }, RETRY_WATCH_MS).unref();
  }

  /** Spool files and worker pipes present now, by key, with the oldest generation of each. */
  private scan(): Map<string, number> {
    const found = new Map<string, number>();
    for (const name of safeReaddir(this.spoolDir)) {
      const m = SPOOL_FILE.exec(name);
      if (!m) continue;
      const gen = Number(m[2]);
      found.set(m[1]!, Math.min(gen, found.get(m[1]!) ?? gen));
    }
    for (const name of safeReaddir(this.fifoDir)) {
      if (WORKER_FIFO.test(name) && !found.has(name)) found.set(name, 0);
    }
    return found;
  }
}

function fileSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
