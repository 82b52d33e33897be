import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { HearthError } from '../errors/index.js';

/**
 * Service output goes through a named pipe per stream instead of an anonymous
 * pipe, so it outlives hearthd: if hearthd is killed, the service keeps its
 * stdout (opened read-write, so there is always a reader and never a SIGPIPE),
 * what it writes waits in the pipe (the writer blocks when the pipe is full
 * rather than losing data), and the next hearthd opens the same FIFO and
 * reads on from where the last one stopped.
 */
export class OutputFifos {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  paths(name: string): { out: string; err: string } {
    return { out: join(this.dir, `${name}.out`), err: join(this.dir, `${name}.err`) };
  }

  /** Creates the FIFOs of many services with one mkfifo(1) run: Node has no mkfifo. */
  ensure(names: string[]): void {
    const missing = names.flatMap((n) => Object.values(this.paths(n))).filter((p) => !existsSync(p));
    if (missing.length === 0) return;
    try {
      execFileSync('mkfifo', ['-m', '600', '--', ...missing], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      throw new HearthError('ERR_SPAWN', `cannot create output pipes in "${this.dir}": ${(e as Error).message}`, { cause: e });
    }
  }

  /** The fd to give the service as stdout or stderr. The caller closes it after spawn. */
  openForService(path: string): number {
    return openSync(path, constants.O_RDWR);
  }

  /** hearthd's reading end; never sees EOF while any service-side fd is open. */
  openReader(path: string): Socket {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    return new Socket({ fd, readable: true, writable: false });
  }

  /** The unfinished last line a hearthd had read when it died, if any. */
  readCarry(name: string, stream: 'out' | 'err'): Buffer | undefined {
    try {
      const b = readFileSync(this.carryPath(name, stream));
      return b.length > 0 ? b : undefined;
    } catch {
      return undefined;
    }
  }

  /** Replaced atomically; an empty tail removes the file. */
  writeCarry(name: string, stream: 'out' | 'err', tail: Buffer): void {
    const path = this.carryPath(name, stream);
    try {
      if (tail.length === 0) {
        rmSync(path, { force: true });
        return;
      }
      writeFileSync(`${path}.tmp`, tail);
      renameSync(`${path}.tmp`, path);
    } catch {
      // losing the carry costs at most one partial line after a crash
    }
  }

  private carryPath(name: string, stream: 'out' | 'err'): string {
    return join(this.dir, `${name}.${stream}.carry`);
  }

  closeFd(fd: number): void {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
}
