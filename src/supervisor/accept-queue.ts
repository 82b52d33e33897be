import { readFileSync, readlinkSync } from 'node:fs';

/**
 * How many connections wait in the accept queue of listening sockets hearthd
 * holds: the rx_queue column of /proc/net/tcp{,6} for a socket in state LISTEN
 * is the kernel's count of connections not yet accepted. A pool that keeps
 * leaving connections there needs more workers.
 */

/** The inode behind one of our fds ("socket:[1234]"), the key /proc/net/* uses. */
export function socketInode(fd: number): number | undefined {
  try {
    const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const TCP_LISTEN = '0A';

/** Parses /proc/net/tcp-format text into inode → accept-queue length for LISTEN sockets. */
export function parseListenQueues(text: string, into = new Map<number, number>()): Map<number, number> {
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== TCP_LISTEN) continue;
    const rx = f[4]!.split(':')[1];
    const inode = Number(f[9]);
    if (rx !== undefined && inode > 0) into.set(inode, parseInt(rx, 16));
  }
  return into;
}

/** Total connections waiting on these listening sockets (0 for any not found, e.g. unix sockets). */
export function acceptQueueLength(inodes: readonly number[]): number {
  if (inodes.length === 0) return 0;
  const queues = new Map<number, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      parseListenQueues(readFileSync(file, 'latin1'), queues);
    } catch {
      // no IPv6 on this kernel
    }
  }
  let total = 0;
  for (const inode of inodes) total += queues.get(inode) ?? 0;
  return total;
}
