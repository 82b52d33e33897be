import { unlinkSync } from 'node:fs';
import { parseListenSpec, type ListenSpec } from '../model/index.js';

export { parseListenSpec, type ListenSpec };
import { bindRawTcp, bindRawUdp, bindRawUnix, listenFds, waitReadable, type FdWait, type RawSocket } from '../native/index.js';

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

/**
 * Binds every spec (all or nothing) and makes the stream sockets listening.
 * Nothing in hearthd watches them: connections wait in the backlog for the
 * service. Call close() on each after handing them over, or to give them up.
 */
export async function bindListeners(specs: ReadonlyArray<string | ListenSpec>, names?: readonly string[]): Promise<BoundSocket[]> {
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
