import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import type { ChildProcess } from 'node:child_process';

/** What the super-server needs of a per-connection server: a ChildProcess's shape. Events: spawn, exit, error. */
export interface ServerProcess extends EventEmitter {
  readonly pid?: number | undefined;
  kill(signal?: NodeJS.Signals): boolean;
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

