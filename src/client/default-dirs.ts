import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** Where hearthd keeps its files; hearthd and the CLI must agree on these. */
export interface HearthDirs {
  configDir: string;
  stateDir: string;
  runtimeDir: string;
  logDir: string;
}

type Env = Record<string, string | undefined>;

/**
 * The XDG base-dir spec says relative values are invalid and must be ignored,
 * so a stray `XDG_RUNTIME_DIR=run` never puts the socket under the cwd.
 */
function xdg(env: Env, key: string): string | undefined {
  const v = env[key];
  return v && isAbsolute(v) ? v : undefined;
}

/**
 * Root gets the FHS locations; anyone else gets XDG locations in their own home
 * and runtime dir, so an ordinary user can run a private hearthd.
 */
export function defaultDirs(uid: number, env: Env = process.env): HearthDirs {
  if (uid === 0) {
    return { configDir: '/etc/hearth', stateDir: '/var/lib/hearth', runtimeDir: '/run/hearth', logDir: '/var/log/hearth' };
  }
  const home = env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir();
  const configDir = join(xdg(env, 'XDG_CONFIG_HOME') ?? join(home, '.config'), 'hearth');
  const stateDir = join(xdg(env, 'XDG_STATE_HOME') ?? join(home, '.local', 'state'), 'hearth');
  const runtime = xdg(env, 'XDG_RUNTIME_DIR');
  // Without a runtime dir (ssh without pam_systemd, containers) fall back to a
  // per-uid dir in /tmp; the control server refuses it if someone else owns it.
  const runtimeDir = runtime ? join(runtime, 'hearth') : `/tmp/hearth-${uid}`;
  return { configDir, stateDir, runtimeDir, logDir: join(stateDir, 'log') };
}

export const SOCKET_NAME = 'hearth.sock';

export interface ResolveSocketOptions {
  /** The --socket flag, when given. */
  flag?: string | undefined;
  env?: Env;
  uid?: number;
}

/** --socket, else $HEARTH_SOCKET, else RUNTIME_DIR/hearth.sock for this user. */
export function resolveSocketPath(options: ResolveSocketOptions = {}): string {
  const env = options.env ?? process.env;
  if (options.flag) return options.flag;
  if (env.HEARTH_SOCKET) return env.HEARTH_SOCKET;
  const uid = options.uid ?? (typeof process.getuid === 'function' ? process.getuid() : 1000);
  return join(defaultDirs(uid, env).runtimeDir, SOCKET_NAME);
}
