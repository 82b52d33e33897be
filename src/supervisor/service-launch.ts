import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { HearthError } from '../errors/index.js';
import type { ServiceDefinition } from '../model/index.js';
import { buildLaunch, serviceEnvironment, serviceNofileLimit } from '../process/index.js';
import type { UnitTracking } from '../boundary/index.js';
import { parseEnvFile } from '../config/index.js';
import { withListenPid } from '../superserver/index.js';

export interface ServiceLaunch {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface LaunchExtras {
  /** $NOTIFY_SOCKET for ready = "notify". */
  notifySocket?: string;
  /** LISTEN_FDS and LISTEN_FDNAMES: the command is then wrapped so LISTEN_PID is the program's own pid. */
  activation?: Record<string, string>;
  /** The unit's process tracking (its cgroup and marker), and the leaf cgroup for this process. */
  unit?: { tracking: UnitTracking; leaf?: string };
}

/** An environment file is a few lines of VAR=value; anything bigger is a mistake or an attack. */
export const ENVIRONMENT_FILE_MAX_BYTES = 1024 * 1024;

/**
 * Everything about starting one of a service's processes except the spawn
 * itself: the privilege-dropping command chain, the environment and the
 * working directory. Shared by single services and pool workers so both run
 * a program the same way.
 */
export function serviceLaunch(def: ServiceDefinition, configDir: string, extras: LaunchExtras = {}): ServiceLaunch {
  const envFile = def.environmentFile ? readEnvironmentFile(def, configDir) : undefined;
  // A relative program path in a config file means relative to the config dir.
  const [program, ...args] = def.exec;
  const exec = program && program.includes('/') && !isAbsolute(program) ? [join(configDir, program), ...args] : def.exec;
  // Services get the descriptor limit hearthd was started with, not the one it raised for itself.
  const nofile = serviceNofileLimit();
  const rlimits = { nofile: { soft: nofile.soft, hard: nofile.hard }, ...def.rlimits };
  // With cgroups, hearth-cgexec joins the unit and sets the rlimits in one exec; else prlimit does.
  const prefix = extras.unit?.tracking.joinPrefix(extras.unit.leaf, rlimits);
  const launch = buildLaunch({ ...def, exec, rlimits: prefix ? {} : rlimits }, { ...envFile, ...def.environment });
  const notify = extras.notifySocket !== undefined ? { NOTIFY_SOCKET: extras.notifySocket } : undefined;
  const env = serviceEnvironment(launch.user, envFile, def.environment, notify, extras.activation);
  const wrapped = extras.activation ? withListenPid(launch.file, launch.args) : launch;
  // Joining the cgroup comes first, so every wrapper after it already runs inside the unit.
  const argv = [...(prefix ?? []), wrapped.file, ...wrapped.args];
  return {
    file: argv[0]!,
    args: argv.slice(1),
    cwd: def.workingDirectory ?? homeOrRoot(launch.user?.home),
    env: { ...env, ...(extras.unit?.tracking.marker ?? { HEARTH_SERVICE: def.name }) },
  };
}

/**
 * The file is often owned by the application's own user, who could swap it
 * for a FIFO (which would block hearthd) or /dev/zero (which would fill its
 * memory). So it is opened without blocking, must be a regular file by its
 * open descriptor (not by its path, which can change meanwhile), and is read
 * up to a cap. Any failure fails this one start, with the reason.
 */
function readEnvironmentFile(def: ServiceDefinition, configDir: string): Record<string, string> {
  const file = def.environmentFile!;
  const path = isAbsolute(file) ? file : join(configDir, file);
  const refuse = (why: string, cause?: unknown) =>
    new HearthError('ERR_SPAWN', `cannot start "${def.name}": environment_file "${path}" ${why}`, cause === undefined ? {} : { cause });
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw refuse(`cannot be opened: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw refuse('is not a regular file');
    if (st.size > ENVIRONMENT_FILE_MAX_BYTES) throw refuse(`is ${st.size} bytes, more than the ${ENVIRONMENT_FILE_MAX_BYTES} allowed`);
    const buf = Buffer.alloc(Math.min(st.size, ENVIRONMENT_FILE_MAX_BYTES) + 1);
    let got = 0;
    for (;;) {
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
      // It grew while being read: the cap still holds.
      if (got >= buf.length) throw refuse('changed while being read');
    }
    return parseEnvFile(buf.subarray(0, got).toString('utf8'));
  } catch (e) {
    if (e instanceof HearthError) throw e;
    throw refuse(`cannot be read: ${(e as Error).message}`, e);
  } finally {
    closeSync(fd);
  }
}

/** Like login(1): start in the user's home, or in / when it does not exist (nobody's /nonexistent). */
function homeOrRoot(home: string | undefined): string {
  if (home === undefined) return '/';
  try {
    return statSync(home).isDirectory() ? home : '/';
  } catch {
    return '/';
  }
}
