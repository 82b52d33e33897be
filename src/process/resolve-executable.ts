import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { HearthError } from '../errors/index.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the program as execvp would, so a missing binary is reported clearly
 * before anything is spawned instead of as an ENOENT from a wrapper.
 */
export function resolveExecutable(command: string, pathVar = DEFAULT_PATH, cwd?: string): string {
  if (command.includes('/')) {
    const full = command.startsWith('/') || !cwd ? command : join(cwd, command);
    if (isExecutableFile(full)) return full;
    throw new HearthError('ERR_EXEC_NOT_FOUND', `executable "${command}" not found or not executable`);
  }
  for (const dir of pathVar.split(':')) {
    if (!dir) continue;
    const full = join(dir, command);
    if (isExecutableFile(full)) return full;
  }
  throw new HearthError('ERR_EXEC_NOT_FOUND', `executable "${command}" not found in PATH "${pathVar}"`);
}

const toolCache = new Map<string, string | null>();

/** Locates a helper tool (setpriv, prlimit, nice) once per process. */
export function findTool(name: string): string | null {
  if (!toolCache.has(name)) {
    let found: string | null = null;
    try {
      found = resolveExecutable(name, DEFAULT_PATH);
    } catch {
      found = null;
    }
    toolCache.set(name, found);
  }
  return toolCache.get(name)!;
}
