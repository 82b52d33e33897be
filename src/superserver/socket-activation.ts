import { isIP } from 'node:net';
import { unlinkSync } from 'node:fs';
import { HearthError } from '../errors/index.js';
import { bindRawTcp, bindRawUdp, bindRawUnix, type RawSocket } from './raw-sockets.js';
import { listenFds, waitReadable, type FdWait } from './fd-waiter.js';

/**
 * Socket activation for stand-alone services, by systemd's protocol: hearthd
 * binds the sockets, the service gets them at fds 3.. with LISTEN_FDS,
 * LISTEN_FDNAMES and LISTEN_PID. LISTEN_PID must be the service's own pid,
 * which spawn() cannot know in advance, so the command is wrapped in
 *   /bin/sh -c 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"' sh PROGRAM ARGS...
 * The program and its arguments travel as positional parameters (never
 * interpolated into the script), and every wrapper in the chain execs, so
 * $$ is the pid spawn() returns and the pid the program finally runs as.
 */

export type ListenSpec =
  | { kind: 'tcp'; host: string; port: number; text: string }
  | { kind: 'udp'; host: string; port: number; text: string }
  | { kind: 'unix'; path: string; text: string };

export interface BoundSocket {
  spec: ListenSpec;
  /** The raw fd: put it in spawn's stdio array at index 3 + position. */
  fd: number;
  /** The port actually bound (port 0 resolved); 0 for unix sockets. */
  port: number;
  /** Name for LISTEN_FDNAMES. */
  name: string;
  close(): void;
}

/** Parses "tcp://127.0.0.1:8080", "udp://[::]:5353", "unix:/run/app.sock". */
export function parseListenSpec(text: string): ListenSpec {
  const t = text.trim();
  if (t.startsWith('unix:')) {
    const path = t.slice(5).replace(/^\/\/(?=\/)/, '');
    if (!path.startsWith('/')) throw new HearthError('ERR_CONFIG_VALUE', `listen "${text}": a unix socket needs an absolute path, as in "unix:/run/app.sock"`);
    return { kind: 'unix', path, text: t };
  }
  const m = /^(tcp|udp):\/\/(\[[^\]]+\]|[^:/[\]]+):(\d{1,5})$/.exec(t);
  if (!m) {
    throw new HearthError('ERR_CONFIG_VALUE', `listen "${text}" is not understood`, {
      hint: 'use "tcp://HOST:PORT", "udp://HOST:PORT" (IPv6 as [::1]) or "unix:/path"',
    });
  }
  const host = m[2]!.replace(/^\[|\]$/g, '');
  const port = Number(m[3]);
  if (port > 65535) throw new HearthError('ERR_CONFIG_VALUE', `listen "${text}": port ${port} is out of range`);
  if (isIP(host) === 0 && host !== 'localhost') throw new HearthError('ERR_CONFIG_VALUE', `listen "${text}": "${host}" is not an IP address`);
  return { kind: m[1] as 'tcp' | 'udp', host: host === 'localhost' ? '127.0.0.1' : host, port, text: t };
}

/**
 * Binds every spec (all or nothing) and makes the stream sockets listening.
 * Nothing in hearthd watches them: connections wait in the backlog for the
 * service. Call close() on each after handing them over, or to give them up.
 */
export async function bindListeners(specs: Array<string | ListenSpec>, names?: string[]): Promise<BoundSocket[]> {
  const parsed = specs.map((s) => (typeof s === 'string' ? parseListenSpec(s) : s));
  const raws: RawSocket[] = [];
  try {
    for (const s of parsed) {
      if (s.kind === 'unix') {
        try {
          unlinkSync(s.path);
        } catch {
          /* no stale socket */
        }
        raws.push(bindRawUnix(s.path));
      } else if (s.kind === 'tcp') raws.push(bindRawTcp(s.host, s.port));
      else raws.push(bindRawUdp(s.host, s.port));
    }
    const streams = raws.filter((r) => r.kind !== 'udp').map((r) => r.fd);
    if (streams.length) await listenFds(streams);
  } catch (e) {
    for (const r of raws) r.close();
    throw e;
  }
  return raws.map((r, i) => ({
    spec: parsed[i]!,
    fd: r.fd,
    port: r.port,
    name: names?.[i] ?? parsed[i]!.text.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 255),
    close: () => r.close(),
  }));
}

/** LISTEN_FDS and LISTEN_FDNAMES for these sockets (LISTEN_PID comes from the wrapper). */
export function activationEnv(sockets: BoundSocket[]): Record<string, string> {
  return { LISTEN_FDS: String(sockets.length), LISTEN_FDNAMES: sockets.map((s) => s.name).join(':') };
}

/** The stdio array tail: fds 3, 4, ... in order. */
export function activationStdio(sockets: BoundSocket[]): number[] {
  return sockets.map((s) => s.fd);
}

const LISTEN_PID_SCRIPT = 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"';

/** Wraps a launch so the program sees LISTEN_PID equal to its own pid. */
export function withListenPid(file: string, args: string[]): { file: string; args: string[] } {
  return { file: '/bin/sh', args: ['-c', LISTEN_PID_SCRIPT, 'sh', file, ...args] };
}

/** activation = "on-demand": resolves when a connection or datagram waits on any socket. */
export function waitForFirstConnection(sockets: BoundSocket[]): FdWait {
  return waitReadable(sockets.map((s) => s.fd));
}
