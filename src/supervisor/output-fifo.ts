import { closeSync, constants, mkdirSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { HearthError } from '../errors/index.js';
import { makeFifos } from '../native/index.js';
import { currentNofileSoft } from '../process/index.js';
import type { OutputSpool } from '../spool/index.js';

/**
 * Service output goes through a named pipe per stream instead of an anonymous
 * pipe, so it outlives hearthd: if hearthd is killed, the service keeps its
 * stdout (opened read-write, so there is always a reader and never a SIGPIPE)
 * and what it writes waits in the pipe (the writer blocks when the pipe is
 * full rather than losing data).
 *
 * With `spool` (the hearth-spool helper runs) the pipes are drained into spool
 * files and journaled from there, exactly once whatever is killed. Without it
 * hearthd reads the pipes itself, and what it has read but not yet written
 * when it is killed is lost.
 */
export class OutputFifos {
  constructor(
    readonly dir: string,
    public spool?: OutputSpool,
    /** Said once, when holds run out (see hold). */
    private readonly onHoldsExhausted?: (message: string) => void,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  paths(name: string): { out: string; err: string } {
    return { out: join(this.dir, `${name}.out`), err: join(this.dir, `${name}.err`) };
  }

  /** Creates the FIFOs of many services with one mkfifo(1) run: Node has no mkfifo. */
  ensure(names: string[]): void {
    try {
      makeFifos(names.flatMap((n) => Object.values(this.paths(n))));
    } catch (e) {
      throw new HearthError('ERR_SPAWN', `cannot create output pipes in "${this.dir}": ${(e as Error).message}`, { cause: e });
    }
  }

  /** The fd to give the service as stdout or stderr. The caller closes it after spawn. */
  openForService(path: string): number {
    return openSync(path, constants.O_RDWR);
  }

  /**
   * hearthd's own hold on a service's two pipes while the spool helper drains
   * them: should the helper die, a service that ends before a new one takes
   * over leaves its last bytes in the pipe instead of taking them along.
   * (Without the helper hearthd reads the pipes itself and holds them anyway.)
   * Holds cost two descriptors per service and take at most half of hearthd's
   * descriptor limit, so a big fleet under a low hard limit still runs: past
   * that, undefined, and the service's output flows as before, with only that
   * double fault left uncovered. Said once.
   */
  hold(name: string): number[] | undefined {
    if (!this.spool) return undefined;
    holdBudget ??= Math.floor(currentNofileSoft() / 2);
    if (holding + 2 > holdBudget) {
      if (!holdsExhaustedSaid) {
        holdsExhaustedSaid = true;
        this.onHoldsExhausted?.(
          `descriptor limit ${holdBudget * 2}: hearthd holds the output pipes of ${holding / 2} services and no more; ` +
            `the others' output flows as well, but one that ends while "hearth-spool" is restarting may lose its last unread bytes (raise LimitNOFILE, or ulimit -n)`,
        );
      }
      return undefined;
    }
    const paths = this.paths(name);
    const fds = [this.openForService(paths.out), this.openForService(paths.err)];
    holding += 2;
    return fds;
  }

  release(fds: number[]): void {
    for (const fd of fds) this.closeFd(fd);
    holding -= fds.length;
  }

  /** hearthd's reading end (without the spool helper); never sees EOF while any service-side fd is open. */
  openReader(path: string): Socket {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    return new Socket({ fd, readable: true, writable: false });
  }

  closeFd(fd: number): void {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
}

/** Holds are per process: the descriptor limit is hearthd's, whichever supervisor holds them. */
let holdBudget: number | undefined;
let holding = 0;
let holdsExhaustedSaid = false;
