import type { ProcessSettings, Rlimits } from '../model/index.js';
import { HearthError } from '../errors/index.js';
import { lookupGroup, lookupUser, userGroups, type UserInfo } from './users.js';
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

/** What a launch may do beyond ProcessSettings (systemd units' privilege settings). */
export interface LaunchOptions extends IdentityOptions {
  /** Groups added to the user's own (setpriv --groups). */
  supplementaryGroups?: string[];
  /** setpriv --no-new-privs. */
  noNewPrivileges?: boolean;
  /** Capability names the program may have at most (setpriv --bounding-set); undefined: unchanged. */
  boundingSet?: string[];
  /** Kept across the switch to the user (inheritable and ambient). */
  ambientCapabilities?: string[];
  /** A wrapper that runs with full rights right before the user switch (hearth-exec). */
  inner?: string[];
  /** Run as hearthd's own user, whatever settings.user says (systemd's "+" and "!"). */
  noUserSwitch?: boolean;
}

function capList(names: readonly string[], sign: '+' | '-'): string {
  return names.map((n) => `${sign}${n.toLowerCase().replace(/^cap_/, '')}`).join(',');
}

/** The user's own supplementary groups plus extra ones, as gids, for setpriv --groups. */
function groupsFor(user: UserInfo | undefined, extra: readonly string[]): string {
  const gids = new Set<number>(user ? userGroups(user.name) : []);
  for (const g of extra) gids.add(lookupGroup(g).gid);
  return [...gids].join(',');
}

function limitText(v: number | 'unlimited'): string {
  return v === 'unlimited' ? 'unlimited' : String(v);
}

/** Each set limit as "NAME=SOFT:HARD" (prlimit(1)'s names and values; hearth-cgexec and hearth-spawner read the same). */
export function rlimitSpecs(rlimits: Rlimits | undefined): string[] {
  return Object.entries(rlimits ?? {}).flatMap(([name, v]) => (v ? [`${name}=${limitText(v.soft)}:${limitText(v.hard)}`] : []));
}

function requireTool(name: string, why: string): string {
  const path = findTool(name);
  if (!path) throw new HearthError('ERR_SPAWN', `cannot ${why}: "${name}" (util-linux/coreutils) is not installed`);
  return path;
}

/**
 * Builds the exec chain that applies a service's process settings without
 * native code: prlimit (rlimits) → nice → an inner wrapper (hearth-exec, for
 * systemd units' sandbox) → setpriv (uid, gid, supplementary groups,
 * capabilities, no_new_privs; it keeps ambient capabilities across the
 * switch by itself) → the program. Each wrapper execs the next, so the pid spawn returns
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

export function buildLaunch(settings: ProcessSettings, env: Record<string, string | undefined> = {}, options: LaunchOptions = {}): Launch {
  const identity = options;
  const [command, ...rest] = settings.exec;
  if (!command) throw new HearthError('ERR_SPAWN', 'cannot start: "exec" is empty');
  const program = resolveExecutable(command, env.PATH ?? DEFAULT_PATH, settings.workingDirectory);
  let argv = [program, ...rest];

  const myUid = process.getuid?.() ?? 0;
  let user: UserInfo | undefined;
  const privArgs: string[] = [];
  if (!options.noUserSwitch && (settings.user !== undefined || settings.group !== undefined)) {
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
      privArgs.push(`--reuid=${uid}`, `--regid=${gid ?? uid}`);
      // initgroups keeps the user's supplementary groups (spawn's uid/gid would drop them).
      if (options.supplementaryGroups?.length) privArgs.push(`--groups=${groupsFor(user, options.supplementaryGroups)}`);
      else privArgs.push(user && identity.groups !== 'clear' ? '--init-groups' : '--clear-groups');
    }
  }
  if (options.noNewPrivileges) privArgs.push('--no-new-privs');
  if (options.boundingSet !== undefined) privArgs.push(`--bounding-set=${['-all', ...(options.boundingSet.length ? [capList(options.boundingSet, '+')] : [])].join(',')}`);
  if (options.ambientCapabilities?.length) {
    const caps = capList(options.ambientCapabilities, '+');
    privArgs.push(`--inh-caps=${caps}`, `--ambient-caps=${caps}`);
  }
  if (privArgs.length > 0) argv = [requireTool('setpriv', 'switch user or drop privileges'), ...privArgs, '--', ...argv];
  if (options.inner?.length) argv = [...options.inner, ...argv];

  if (settings.nice !== undefined && settings.nice !== 0) {
    argv = [requireTool('nice', 'set nice'), '-n', String(settings.nice), '--', ...argv];
  }

  const limits = rlimitSpecs(settings.rlimits);
  if (limits.length > 0) {
    argv = [requireTool('prlimit', 'set resource limits'), ...limits.map((spec) => `--${spec}`), '--', ...argv];
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
