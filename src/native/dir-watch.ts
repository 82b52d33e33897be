/**
 * hearthd's side of hearth-watch (native/hearth-watch.c): an inotify watch on
 * a dir that says, when asked, which files changed since it was last asked,
 * or that it cannot say (its queue overflowed, the dir went away).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { HearthError } from '../errors/index.js';
import { lineSplitter } from '../util/line-splitter.js';
import { nativeHelperPath } from './helper-path.js';

export const WATCH_HELPER = 'hearth-watch';

/** A dir's identity as the helper found it before adding its watch. */
export interface WatchedDir {
  dev: number;
  ino: number;
}

/** What one sync says of the dir. */
export type DirChanges =
  /** Names of the dir's entries changed since the last sync (none: nothing changed). */
  | { kind: 'changed'; names: string[] }
  /** Changes happened that cannot be listed this time: look at every file. */
  | { kind: 'all' }
  /** The dir's watch is gone (removed, moved, unmounted): nothing it says can be trusted again. */
  | { kind: 'lost' };

/** How long the helper may take to start or to answer a sync before it is taken for hung. */
const ANSWER_MS = 5000;

export class DirWatchHelper {
  private readonly waiting: Array<{ resolve(answer: DirChanges): void; reject(e: Error): void; timer: NodeJS.Timeout }> = [];
  private answer: DirChanges = { kind: 'changed', names: [] };
  private gone: Error | undefined;

  private constructor(
    private readonly child: ChildProcess,
    /** The dir's identity as the helper found it before adding its watch. */
    readonly dir: WatchedDir,
  ) {}

  /** Starts a helper watching `dir`. Rejects, saying why, if it is not built or cannot watch the dir. */
  static start(dir: string, helperPath = nativeHelperPath(WATCH_HELPER)): Promise<DirWatchHelper> {
    if (!helperPath) return Promise.reject(new HearthError('ERR_SPAWN', `the native helper "${WATCH_HELPER}" is not built`));
    return new Promise((resolve, reject) => {
      const child = spawn(helperPath, [dir], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      let helper: DirWatchHelper | undefined;
      const fail = (message: string) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new HearthError('ERR_SPAWN', message));
      };
      const timer = setTimeout(() => fail(`${WATCH_HELPER} did not start in time`), ANSWER_MS);
      timer.unref();
      const onEarlyExit = (code: number | null, signal: string | null) => fail(`${WATCH_HELPER}: ${stderr.trim() || `exited ${code ?? signal}`}`);
      child.on('error', (e) => fail(`${WATCH_HELPER}: ${e.message}`));
      // 'close', not 'exit': the exit can come before the helper's last words (its "unwatched" line
      // or its stderr) are read, and the reason it gave up would be lost.
      child.on('close', onEarlyExit);
      child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-1000)));
      // Names are bytes, not text: latin1 keeps each one a character.
      child.stdout!.setEncoding('latin1');
      child.stdout!.on(
        'data',
        lineSplitter((line) => {
          if (helper) return helper.answerLine(line);
          const [word, ...rest] = line.split(' ');
          if (word === 'unwatched') return fail(`cannot watch "${dir}": ${rest.join(' ')}`);
          if (word !== 'ready') return;
          clearTimeout(timer);
          child.off('close', onEarlyExit);
          // Idle, the helper never keeps hearthd alive (sync holds the loop while it waits for an answer);
          // it ends when hearthd's end of its stdin closes.
          child.unref();
          for (const stream of [child.stdin, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
          helper = new DirWatchHelper(child, { dev: Number(rest[0]), ino: Number(rest[1]) });
          helper.listen();
          resolve(helper);
        }),
      );
    });
  }

  private listen(): void {
    this.idle();
    this.child.on('exit', (code, signal) => this.end(new HearthError('ERR_SPAWN', `${WATCH_HELPER} exited (${code ?? signal})`)));
    // Its output's end is its end too, and may be the only one seen: the process handle does not hold the event loop.
    this.child.stdout!.on('close', () => this.end(new HearthError('ERR_SPAWN', `${WATCH_HELPER} closed its output`)));
    this.child.stdin!.on('error', () => {
      // A helper that died is reported by 'exit'.
    });
  }

  /** The helper's process id (tests stop it to make the kernel's queue overflow). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Every change made before this call. Rejects if the helper is gone or hangs. */
  sync(): Promise<DirChanges> {
    if (this.gone) return Promise.reject(this.gone);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.end(new HearthError('ERR_SPAWN', `${WATCH_HELPER} did not answer in ${ANSWER_MS} ms`)), ANSWER_MS);
      timer.unref();
      this.waiting.push({ resolve, reject, timer });
      (this.child.stdout as unknown as { ref(): void }).ref();
      this.child.stdin!.write('sync\n');
    });
  }

  stop(): void {
    this.end(new HearthError('ERR_SPAWN', `${WATCH_HELPER} stopped`));
  }

  /** One line of the helper's answer to a sync. */
  private answerLine(line: string): void {
    if (line === 'synced') {
      const answer = this.answer;
      this.answer = { kind: 'changed', names: [] };
      const w = this.waiting.shift();
      if (w) {
        clearTimeout(w.timer);
        w.resolve(answer);
      }
      if (this.waiting.length === 0) this.idle();
    } else if (line === 'lost' || line === 'all') {
      this.answer = { kind: line };
    } else if (line.startsWith('changed ') && this.answer.kind === 'changed') {
      this.answer.names.push(line.slice('changed '.length));
    }
  }

  /** Nothing is waited for: the helper's output does not keep the event loop running. */
  private idle(): void {
    (this.child.stdout as unknown as { unref(): void }).unref();
  }

  private end(reason: Error): void {
    if (this.gone) return;
    this.gone = reason;
    this.child.kill('SIGKILL');
    for (const w of this.waiting.splice(0)) {
      clearTimeout(w.timer);
      w.reject(reason);
    }
  }
}
