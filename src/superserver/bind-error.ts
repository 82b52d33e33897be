import { readListeners } from '../catalog/index.js';
import type { Endpoint } from './listeners.js';

/**
 * Why a service could not listen, in words an admin can act on: for a port
 * in use, who holds it (pid and command, from /proc), never Node's raw
 * "listen EADDRINUSE: address already in use" text.
 */
export function describeBindError(e: unknown, protocol: 'tcp' | 'udp', at: Endpoint): string {
  const where = `${protocol} ${at.host.includes(':') ? `[${at.host}]` : at.host}:${at.port}`;
  const code = errorCode(e);
  switch (code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the port is in use by ${holdersOf(protocol, at.port)}`;
    case 'EACCES':
      return `cannot listen on ${where}: ports below 1024 need root (or set [inetd] port_offset in hearth.toml)`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${at.host} is not an address of this machine`;
    default:
      return `cannot listen on ${where}: ${code ?? (e instanceof Error ? e.message : String(e))}`;
  }
}

/** EADDRINUSE and the like, from Node's errors, hearth's raw-socket errors or their causes. */
function errorCode(e: unknown): string | undefined {
  for (let x: unknown = e; x instanceof Error; x = (x as { cause?: unknown }).cause) {
    const code = (x as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    const named = /\b(E[A-Z]{3,})\b/.exec(x.message);
    if (named) return named[1];
  }
  return undefined;
}

/** "pid 812 (nginx)", "hearthd itself (pid 77)", or why nobody can be named. */
function holdersOf(protocol: 'tcp' | 'udp', port: number): string {
  const seen = new Map<number, string | undefined>();
  for (const l of readListeners()) {
    if (!l.protocol.startsWith(protocol) || l.port !== port) continue;
    for (const h of l.holders ?? []) seen.set(h.pid, h.command);
  }
  if (seen.size === 0) return 'a process hearthd cannot see (another user\'s, or in another network namespace)';
  return [...seen].map(([pid, command]) => (pid === process.pid ? `hearthd itself (pid ${pid}): another of its services` : `pid ${pid} (${command ?? '?'})`)).join(', ');
}
