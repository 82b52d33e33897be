import type { HearthEvent } from '../model/index.js';

/** How long a process hearth started is remembered after it exited. */
const KEEP_MS = 5 * 60_000;
/** At most this many remembered processes; the oldest go first. */
const MAX_ENTRIES = 20_000;

/**
 * The processes hearth started (a service's main process, a timer's run),
 * by pid, kept for a while after they exit: the syslog receiver's last resort
 * for a sender (or its parent) that is gone by the time its message is read
 * and whose cgroup could not be read either (no cgroups on this host). Fed
 * from hearthd's events; bounded in size and age.
 */
export class RecentProcesses {
  private readonly byPid = new Map<number, { name: string; at: number; alive: boolean }>();

  constructor(
    private readonly keepMs = KEEP_MS,
    private readonly maxEntries = MAX_ENTRIES,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes what it needs from an event of the bus. */
  observe(e: HearthEvent): void {
    if (e.type === 'service.spawn') this.started(e.pid, e.name);
    else if (e.type === 'service.exit') this.exited(e.pid);
    else if (e.type === 'timer.run' && e.change === 'started' && e.pid !== null) this.started(e.pid, e.name);
  }

  started(pid: number, name: string): void {
    this.byPid.delete(pid);
    this.byPid.set(pid, { name, at: this.now(), alive: true });
    this.trim();
  }

  exited(pid: number): void {
    const e = this.byPid.get(pid);
    if (!e) return;
    this.byPid.delete(pid);
    this.byPid.set(pid, { ...e, at: this.now(), alive: false });
  }

  /** The unit that started this pid, if it is alive or exited within the keep time. */
  owner(pid: number): string | undefined {
    const e = this.byPid.get(pid);
    if (!e) return undefined;
    if (!e.alive && this.now() - e.at > this.keepMs) {
      this.byPid.delete(pid);
      return undefined;
    }
    return e.name;
  }

  get size(): number {
    return this.byPid.size;
  }

  private trim(): void {
    // Maps keep insertion order: the first entries are the oldest news.
    for (const pid of this.byPid.keys()) {
      if (this.byPid.size <= this.maxEntries) return;
      this.byPid.delete(pid);
    }
  }
}
