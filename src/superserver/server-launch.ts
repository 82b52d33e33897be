import type net from 'node:net';
import { basename } from 'node:path';
import type { InetdServiceDefinition } from '../model/index.js';
import { buildLaunch, serviceEnvironment } from '../process/index.js';
import type { ServerProcess } from '../native/index.js';
import type { ServiceCore } from './engine-context.js';

/** How a service's server is started: resolved once per (re)load. */
export interface Launch {
  file: string;
  args: string[];
  argv0: string | undefined;
  env: Record<string, string>;
  umask: number | undefined;
}

/** The server's command line and environment, as xinetd builds them (server, server_args, NAMEINARGS, env, passenv). */
export function launchFor(d: InetdServiceDefinition): Launch {
  const nameInArgs = d.flags.includes('NAMEINARGS');
  const exec = nameInArgs ? [d.server!, ...d.serverArgs.slice(1)] : [d.server!, ...d.serverArgs];
  const argv0 = nameInArgs ? d.serverArgs[0] : basename(d.server!);
  // Like xinetd, user/group only take effect when hearthd runs as root.
  const root = process.getuid?.() === 0;
  const l = buildLaunch({
    exec,
    ...(root && d.user !== undefined ? { user: d.user } : {}),
    ...(root && d.group !== undefined ? { group: d.group } : {}),
    environment: d.env,
    ...(d.umask !== undefined ? { umask: d.umask } : {}),
    ...(d.nice !== undefined ? { nice: d.nice } : {}),
    rlimits: d.rlimits,
  });
  const passed: Record<string, string> = {};
  for (const k of d.passenv) {
    const v = process.env[k];
    if (v !== undefined) passed[k] = v;
  }
  return {
    file: l.file,
    args: l.args,
    // A wrapper (setpriv, prlimit, nice) keeps its own name; argv0 is for the server itself.
    argv0: l.file === l.program ? argv0 : undefined,
    env: serviceEnvironment(l.user, passed, d.env),
    umask: d.umask,
  };
}

/** Starts the server for one accepted TCP connection (wait = no); the spawner takes the socket over. */
export function startConnectionServer(core: ServiceCore, sock: net.Socket, remote: string | undefined): void {
  const l = core.prepared.launch!;
  const env = { ...l.env, REMOTE_HOST: remote ?? '', REMOTE_ADDR: remote ?? '', REMOTE_PORT: String(sock.remotePort ?? 0) };
  // The server gets the socket as fds 0-2 and our copy is closed.
  const child = core.ctx.servers.spawn(l.file, l.args, {
    socket: sock,
    env,
    ...(l.argv0 ? { argv0: l.argv0 } : {}),
    ...(l.umask !== undefined ? { umask: l.umask } : {}),
  });
  watchServer(core, child, remote);
}

/**
 * Counts a per-connection server (admitted and opened() by the caller) until
 * it ends, with xinetd's START/EXIT lines; a server that cannot start is a
 * "fork" refusal, as in xinetd.
 */
export function watchServer(core: ServiceCore, child: ServerProcess, remote: string | undefined): void {
  const log = core.log;
  core.children.add(child);
  const started = log.started();
  // The pid is known once the server runs (the helpers answer asynchronously).
  if (log.onSuccess) child.once('spawn', () => child.pid && log.start(child.pid, remote));
  let done = false;
  const end = (code: number | null, signal: NodeJS.Signals | null): void => {
    if (done) return;
    done = true;
    core.children.delete(child);
    core.admission.closed(remote);
    log.exit(child.pid ?? 0, code, signal, started);
  };
  child.on('error', (e) => {
    core.refuse('spawn', remote);
    log.cannotStart(core.prepared.launch!.file, e.message);
    end(null, null);
  });
  child.on('exit', end);
}
