import type net from 'node:net';
import { basename } from 'node:path';
import type { InetdServiceDefinition } from '../model/index.js';
import { NOFILE_AT_START_ENV, buildLaunch } from '../process/index.js';
import type { ServerProcess } from '../native/index.js';
import type { ServiceCore } from './engine-context.js';
import { NO_ADDRESS } from './xinetd-log.js';

/**
 * What a server's environment holds besides the service's own variables:
 * "xinetd" exactly what xinetd gives (REMOTE_HOST), "hearth" (the default)
 * also REMOTE_ADDR and REMOTE_PORT (hearth.toml `[inetd] env_compat`).
 */
export type EnvCompat = 'hearth' | 'xinetd';

/** How a service's server is started: resolved once per (re)load. */
export interface Launch {
  file: string;
  args: string[];
  argv0: string | undefined;
  /** Everything but the per-connection REMOTE_* variables. */
  env: Record<string, string>;
  umask: number | undefined;
  /** REMOTE_ADDR and REMOTE_PORT besides REMOTE_HOST. */
  remoteAddrPort: boolean;
  /**
   * The service's cgroup.procs files (cgroup tracking): every server joins
   * them between fork and exec, so nothing it starts can leave the service.
   */
  cgroups?: string[];
}

/**
 * The server's command line and environment, as xinetd builds them (child.c,
 * env.c): argv from server, server_args and NAMEINARGS; the environment is
 * hearthd's own (as xinetd passes its own), or with passenv (here or in
 * defaults) only those of its variables, then `env` on top; user and group
 * as xinetd sets them, with supplementary groups only for `groups = yes`.
 */
export function launchFor(d: InetdServiceDefinition, envCompat: EnvCompat = 'hearth'): Launch {
  const nameInArgs = d.flags.includes('NAMEINARGS');
  const exec = nameInArgs ? [d.server!, ...d.serverArgs.slice(1)] : [d.server!, ...d.serverArgs];
  const argv0 = nameInArgs ? d.serverArgs[0] : basename(d.server!);
  // Like xinetd, user/group only take effect when hearthd runs as root.
  const root = process.getuid?.() === 0;
  const identity = root && (d.user !== undefined || d.group !== undefined);
  const l = buildLaunch(
    {
      exec,
      ...(root && d.user !== undefined ? { user: d.user } : {}),
      ...(root && d.group !== undefined ? { group: d.group } : {}),
      environment: d.env,
      ...(d.umask !== undefined ? { umask: d.umask } : {}),
      ...(d.nice !== undefined ? { nice: d.nice } : {}),
      rlimits: d.rlimits,
    },
    {},
    // set_credentials: setgid, then initgroups only with user and groups = yes, else setgroups(0).
    { argv0, ...(identity ? { always: true, groups: d.groups === true && d.user !== undefined ? 'init' : 'clear' } : {}) },
  );
  return {
    file: l.file,
    args: l.args,
    // Through a wrapper (setpriv, prlimit, nice) argv[0] is set at the end of the chain.
    argv0: l.file === l.program ? argv0 : undefined,
    env: { ...baseEnvironment(d.passenv), ...d.env },
    umask: d.umask,
    remoteAddrPort: envCompat === 'hearth',
  };
}

/** hearthd's environment (all of it, or only the passenv names), as xinetd's std_env or make_env_from_vars. */
function baseEnvironment(passenv: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || HEARTH_OWN.has(k)) continue;
    if (passenv === undefined || passenv.includes(k)) out[k] = v;
  }
  return out;
}

/** Set by hearth's own launcher for hearthd itself, never the user's. */
const HEARTH_OWN = new Set([NOFILE_AT_START_ENV]);

/** The per-connection variables: REMOTE_HOST as xinetd sets it, and hearth's two unless env_compat = "xinetd". */
export function remoteEnvironment(l: Launch, remote: string | undefined, port: number | undefined): Record<string, string> {
  const host = remote ?? NO_ADDRESS;
  if (!l.remoteAddrPort) return { REMOTE_HOST: host };
  return { REMOTE_HOST: host, REMOTE_ADDR: remote ?? '', REMOTE_PORT: String(port ?? 0) };
}

/**
 * Starts the server for one accepted TCP connection (wait = no); the spawner
 * takes the socket over. `userid`: what the client's identd said, logged
 * right after START as xinetd's child logs it before it execs.
 */
export function startConnectionServer(core: ServiceCore, sock: net.Socket, remote: string | undefined, userid?: string): void {
  const l = core.prepared.launch!;
  const env = { ...l.env, ...remoteEnvironment(l, remote, sock.remotePort) };
  // The server gets the socket as fds 0-2 and our copy is closed.
  const child = core.ctx.servers.spawn(l.file, l.args, {
    socket: sock,
    env,
    ...(l.argv0 ? { argv0: l.argv0 } : {}),
    ...(l.umask !== undefined ? { umask: l.umask } : {}),
    ...(l.cgroups ? { cgroups: l.cgroups } : {}),
  });
  watchServer(core, child, remote, userid);
}

/**
 * Counts a per-connection server (admitted and opened() by the caller) until
 * it ends, with xinetd's START/EXIT lines; a server that cannot start is a
 * "fork" refusal, as in xinetd.
 */
export function watchServer(core: ServiceCore, child: ServerProcess, remote: string | undefined, userid?: string): void {
  const log = core.log;
  core.children.add(child);
  const started = log.started();
  // The pid is known once the server runs (the helpers answer asynchronously).
  if (log.onSuccess || userid !== undefined) {
    child.once('spawn', () => {
      if (child.pid) log.start(child.pid, remote);
      if (userid !== undefined) log.userid(userid);
    });
  }
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
