import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import type { ChildProcess } from 'node:child_process';

/** What the super-server needs of a per-connection server: a ChildProcess's shape. Events: spawn, exit, error. */
export interface ServerProcess extends EventEmitter {
  readonly pid?: number | undefined;
  kill(signal?: NodeJS.Signals): boolean;
}

/** A started process's later 'error' (a kill that failed): its exit says what matters. */
function ignoreLateError(): void {}

/**
 * Gives a process a listener for 'error' if it has none, so that an error
 * nobody waits for never goes unhandled (an EventEmitter throws those).
 */
export function keepErrorsHandled(proc: ServerProcess): void {
  if (proc.listenerCount('error') === 0) proc.on('error', ignoreLateError);
}

/**
 * Calls `spawned` or `failed`, once, as the process starts or fails to, and
 * drops the listener for the other outcome: a service that started keeps no
 * start-failure handler (with its once() wrapper) for its whole run, only
 * the one shared keepErrorsHandled listener.
 */
export function onSpawnOutcome(proc: ServerProcess, spawned: () => void, failed: (e: Error) => void): void {
  const onSpawn = (): void => {
    proc.removeListener('error', onError);
    keepErrorsHandled(proc);
    spawned();
  };
  const onError = (e: Error): void => {
    proc.removeListener('spawn', onSpawn);
    failed(e);
  };
  proc.once('spawn', onSpawn);
  proc.once('error', onError);
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

/** A signal number as Node names it ("SIGTERM"), or null. */
export function signalName(n: number): NodeJS.Signals | null {
  return SIGNAL_NAMES.get(n) ?? null;
}

/** A server the helper started (or, in fallback, Node's ChildProcess behind it). Events: spawn, exit, error. */
export class SpawnedServer extends EventEmitter implements ServerProcess {
  pid: number | undefined;
  private done = false;
  private child: ChildProcess | undefined;

  started(pid: number): void {
    this.pid = pid;
    this.emit('spawn');
  }

  exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.done) return;
    this.done = true;
    this.emit('exit', code, signal);
  }

  failed(e: Error): void {
    if (this.done) return;
    this.done = true;
    this.emit('error', e);
  }

  /** Fallback: Node's own child stands behind this object. */
  adopt(child: ChildProcess): void {
    this.child = child;
    this.pid = child.pid;
    child.once('spawn', () => this.emit('spawn'));
    child.once('error', (e) => this.failed(e));
    child.once('exit', (code, signal) => this.exited(code, signal));
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.child) return this.child.kill(signal);
    if (this.pid === undefined || this.done) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

