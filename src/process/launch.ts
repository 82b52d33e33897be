import type { ProcessSettings, RlimitValue } from '../model/index.js';
import { HearthError } from '../errors/index.js';
import { lookupGroup, lookupUser, type UserInfo } from './users.js';
import { DEFAULT_PATH, findTool, resolveExecutable } from './resolve-executable.js';

export interface Launch {
  /** What to hand to child_process.spawn: the first wrapper, or the program itself. */
  file: string;
  args: string[];
  /** The resolved program at the end of the chain (for messages). */
  program: string;
  /** The account the program ends up running as. */
  user: UserInfo | undefined;
}

function limitText(v: number | 'unlimited'): string {
  return v === 'unlimited' ? 'unlimited' : String(v);
}

function rlimitArg(name: string, v: RlimitValue): string {
  return `--${name}=${limitText(v.soft)}:${limitText(v.hard)}`;
}

function requireTool(name: string, why: string): string {
  const path = findTool(name);
  if (!path) throw new HearthError('ERR_SPAWN', `cannot ${why}: "${name}" (util-linux/coreutils) is not installed`);
  return path;
}

/**
 * Builds the exec chain that applies a service's process settings without
 * native code: prlimit (rlimits) → nice → setpriv (uid, gid, supplementary
 * groups) → the program. Each wrapper execs the next, so the pid spawn returns
 * stays the service's pid. Wrappers run as root first because raising hard
 * limits and negative nice need privileges that setpriv then drops. Nothing is
 * ever passed through a shell.
 */
export interface IdentityOptions {
  /**
   * Supplementary groups of a switched identity: "init" the user's from the
   * group database (the default), "clear" none (xinetd without `groups = yes`).
   */
  groups?: 'init' | 'clear';
  /**
   * Switch even when uid and gid are already hearthd's, as xinetd does once
   * user or group is set (it clears the supplementary groups). Skipped when
   * that would change nothing: hearthd has no supplementary group but its own.
   */
  always?: boolean;
  /**
   * argv[0] for the program. Without a wrapper the caller hands it to
   * spawn(); the wrappers exec the program by its path, so through them the
   * last step is perl's `exec { PROGRAM } ARGV0, ARGS` (perl-base is
   * essential on Debian; without perl, argv[0] stays the path).
   */
  argv0?: string;
}

/** Execs $ARGV[0] with the rest as its argv, argv[0] included; 127 (as a shell) when it cannot. */
const EXEC_WITH_ARGV0 = 'exec { shift } @ARGV; exit 127';

export function buildLaunch(settings: ProcessSettings, env: Record<string, string | undefined> = {}, identity: IdentityOptions = {}): Launch {
  const [command, ...rest] = settings.exec;
  if (!command) throw new HearthError('ERR_SPAWN', 'cannot start: "exec" is empty');
  const program = resolveExecutable(command, env.PATH ?? DEFAULT_PATH, settings.workingDirectory);
  let argv = [program, ...rest];

  const myUid = process.getuid?.() ?? 0;
  let user: UserInfo | undefined;
  if (settings.user !== undefined || settings.group !== undefined) {
    user = settings.user !== undefined ? lookupUser(settings.user) : undefined;
    const gid = settings.group !== undefined ? lookupGroup(settings.group).gid : user?.gid;
    const uid = user?.uid ?? myUid;
    const myGid = process.getgid?.();
    const groupsToClear = (process.getgroups?.() ?? []).some((g) => g !== myGid);
    const needsChange = (identity.always === true && groupsToClear) || uid !== myUid || (gid !== undefined && gid !== myGid);
    if (needsChange) {
      if (myUid !== 0) {
        throw new HearthError(
          'ERR_SPAWN',
          `cannot run as user "${settings.user ?? myUid}" group "${settings.group ?? gid}": hearthd is not running as root`,
        );
      }
      const setpriv = requireTool('setpriv', 'switch user');
      const privArgs = [`--reuid=${uid}`, `--regid=${gid ?? uid}`];
      // initgroups keeps the user's supplementary groups (spawn's uid/gid would drop them).
      privArgs.push(user && identity.groups !== 'clear' ? '--init-groups' : '--clear-groups');
      argv = [setpriv, ...privArgs, '--', ...argv];
    }
  }

  if (settings.nice !== undefined && settings.nice !== 0) {
    argv = [requireTool('nice', 'set nice'), '-n', String(settings.nice), '--', ...argv];
  }

  const limits = Object.entries(settings.rlimits ?? {}).filter(([, v]) => v !== undefined) as Array<[string, RlimitValue]>;
  if (limits.length > 0) {
    argv = [requireTool('prlimit', 'set resource limits'), ...limits.map(([k, v]) => rlimitArg(k, v)), '--', ...argv];
  }

  if (identity.argv0 !== undefined && argv[0] !== program && identity.argv0 !== program) {
    const perl = findTool('perl');
    // The program and its arguments are the chain's tail.
    if (perl) argv = [...argv.slice(0, argv.length - rest.length - 1), perl, '-e', EXEC_WITH_ARGV0, program, identity.argv0, ...rest];
  }
  return { file: argv[0]!, args: argv.slice(1), program, user };
}

/**
 * spawn() has no umask option, but a child inherits the umask at fork and Node
 * forks synchronously inside spawn(), so setting it around the call is exact.
 */
export function applyUmask<T>(umask: number | undefined, fn: () => T): T {
  if (umask === undefined) return fn();
  const previous = process.umask(umask);
  try {
    return fn();
  } finally {
    process.umask(previous);
  }
}
