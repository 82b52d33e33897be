import type net from 'node:net';

// Why this exists: pause() keeps reading into Node's buffer, and those bytes would not travel with the fd to a server.

interface ReadingHandle {
  readStop?(): number;
}

/**
 * Stops reading a connected socket at the kernel: what the peer sends from
 * now on stays in the kernel for whoever gets the fd next. Only for a socket
 * that is about to be handed over (or destroyed). Node's `reading` flag is
 * left set on purpose: Node restarts reading only when it believes it had
 * stopped.
 */
export function stopReading(sock: net.Socket): void {
  const handle = (sock as unknown as { _handle?: ReadingHandle | null })._handle;
  handle?.readStop?.();
}
