import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { HearthError } from '../errors/index.js';
import type { ServiceDefinition } from '../model/index.js';
import { buildLaunch, serviceEnvironment } from '../process/index.js';
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
}

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
  const launch = buildLaunch({ ...def, exec }, { ...envFile, ...def.environment });
  const notify = extras.notifySocket !== undefined ? { NOTIFY_SOCKET: extras.notifySocket } : undefined;
  const env = serviceEnvironment(launch.user, envFile, def.environment, notify, extras.activation);
  const command = extras.activation ? withListenPid(launch.file, launch.args) : launch;
  return {
    file: command.file,
    args: command.args,
    cwd: def.workingDirectory ?? homeOrRoot(launch.user?.home),
    env: { ...env, HEARTH_SERVICE: def.name },
  };
}

function readEnvironmentFile(def: ServiceDefinition, configDir: string): Record<string, string> {
  const file = def.environmentFile!;
  const path = isAbsolute(file) ? file : join(configDir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new HearthError('ERR_SPAWN', `cannot start "${def.name}": environment_file "${path}" cannot be read`, { cause: e });
  }
  return parseEnvFile(text);
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
