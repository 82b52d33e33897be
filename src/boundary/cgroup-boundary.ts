import { existsSync, readFileSync, readdirSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { realClock, type Clock } from './clock.js';
import type { ProcessBoundary } from './types.js';

/** Every pid in a cgroup v2 directory and the cgroups below it. */
export function cgroupPids(dir: string): number[] {
  const pids: number[] = [];
  const walk = (d: string) => {
    let text = '';
    try {
      text = readFileSync(`${d}/cgroup.procs`, 'utf8');
    } catch {
      return;
    }
    for (const line of text.split('\n')) if (line) pids.push(Number(line));
    // Most units have no cgroup below them, which cgroup.stat says without listing the
    // directory (an entry per interface file: `hearth list` at 10,000 units made 250,000).
    if (hasNoDescendants(d)) return;
    try {
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    } catch {
      // removed meanwhile
    }
  };
  walk(dir);
  return pids;
}

function hasNoDescendants(dir: string): boolean {
  try {
    return keyedValue(readFileSync(`${dir}/cgroup.stat`, 'utf8'), 'nr_descendants') === 0;
  } catch {
    return false;
  }
}

/** The number after `key ` on its own line of a "key value" file (cgroup.stat, cpu.stat, memory.events). */
export function keyedValue(text: string, key: string): number | undefined {
  const prefix = `${key} `;
  let at: number;
  if (text.startsWith(prefix)) at = prefix.length;
  else {
    const found = text.indexOf(`\n${prefix}`);
    if (found < 0) return undefined;
    at = found + 1 + prefix.length;
  }
  const end = text.indexOf('\n', at);
  const digits = text.slice(at, end < 0 ? undefined : end);
  return /^\d+$/.test(digits) ? Number(digits) : undefined;
}

/** "populated 1" in cgroup.events: some process is in the cgroup or below it. */
export function cgroupPopulated(dir: string): boolean {
  try {
    return keyedValue(readFileSync(join(dir, 'cgroup.events'), 'utf8'), 'populated') === 1;
  } catch {
    return false;
  }
}

/** How many passes a signal makes over a cgroup whose processes keep forking. */
const SIGNAL_PASSES = 8;

/**
 * A unit's processes as a cgroup v2 directory: whatever they fork stays in
 * it, so a stop reaches a child that called setsid() or double-forked, and
 * "empty" is the kernel's own word (cgroup.events).
 */
export class CgroupBoundary implements ProcessBoundary {
  constructor(
    readonly dir: string,
    private readonly clock: Clock = realClock,
    private readonly pollMs = 100,
  ) {}

  get description(): string {
    return `cgroup ${this.dir}`;
  }

  pids(): number[] {
    return cgroupPids(this.dir);
  }

  /**
   * A process may fork between reading cgroup.procs and the kill, so the
   * cgroup is read again until a pass finds nothing new (as systemd does).
   */
  signal(signal: NodeJS.Signals): boolean {
    const sent = new Set<number>();
    for (let pass = 0; pass < SIGNAL_PASSES; pass++) {
      const fresh = this.pids().filter((p) => !sent.has(p));
      if (fresh.length === 0) break;
      for (const pid of fresh) {
        sent.add(pid);
        try {
          process.kill(pid, signal);
        } catch {
          // gone meanwhile
        }
      }
    }
    return sent.size > 0;
  }

  /** cgroup.kill (Linux 5.14+) kills every process at once, forks in flight included. */
  kill(): void {
    const file = join(this.dir, 'cgroup.kill');
    if (existsSync(file)) {
      try {
        writeFileSync(file, '1');
        return;
      } catch {
        // fall back to signalling each process
      }
    }
    this.signal('SIGKILL');
  }

  isEmpty(): boolean {
    return !cgroupPopulated(this.dir);
  }

  /** cgroup.events changes are reported by inotify; a slow poll covers the rare missed event. */
  whenEmpty(onEmpty: () => void): () => void {
    let done = false;
    let watcher: FSWatcher | undefined;
    let handle: unknown;
    const finish = () => {
      if (done) return;
      done = true;
      watcher?.close();
      if (handle !== undefined) this.clock.clearTimeout(handle);
      onEmpty();
    };
    const check = () => {
      if (done) return;
      if (this.isEmpty()) return finish();
      handle = this.clock.setTimeout(check, this.pollMs);
    };
    try {
      watcher = watch(join(this.dir, 'cgroup.events'), () => {
        if (!done && this.isEmpty()) finish();
      });
      watcher.on('error', () => undefined);
    } catch {
      // no inotify here: the poll alone
    }
    check();
    return () => {
      done = true;
      watcher?.close();
      if (handle !== undefined) this.clock.clearTimeout(handle);
    };
  }
}
