import type { ChildProcess } from 'node:child_process';
import type { ServerProcess } from '../native/index.js';

/** How long a server's pid still names its service after it exited, and how many such pids are kept. */
const KEEP_MS = 5 * 60_000;
const KEEP_MAX = 1000;

type Server = ChildProcess | ServerProcess;

/**
 * A service's running servers, and the pids of those that ended lately: a
 * syslog message that arrives after its sender (or the sender's parent, the
 * server) is gone is still filed under the service.
 */
export class ServerSet extends Set<Server> {
  private readonly ended = new Map<number, number>();

  override delete(server: Server): boolean {
    if (server.pid) {
      this.ended.delete(server.pid);
      this.ended.set(server.pid, Date.now());
      for (const pid of this.ended.keys()) {
        if (this.ended.size <= KEEP_MAX) break;
        this.ended.delete(pid);
      }
    }
    return super.delete(server);
  }

  /** The pid is one of these servers, running or ended within the keep time. */
  owns(pid: number, now = Date.now()): boolean {
    for (const s of this) if (s.pid === pid) return true;
    const at = this.ended.get(pid);
    return at !== undefined && now - at <= KEEP_MS;
  }
}
