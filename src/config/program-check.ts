import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { HearthError } from '../errors/index.js';
import type { Origin, ServiceDefinition } from '../model/index.js';
import { DEFAULT_PATH, resolveExecutable } from '../process/index.js';
import { findKeyLines } from './key-lines.js';
import type { LoadedConfig } from './config-dir.js';

/**
 * `hearth check` looks for the programs a config names, as a start would: a
 * program that is missing or not executable is a warning now rather than a
 * failed start later. Relative paths count from the config dir (as
 * hearthd runs them); bare names are looked up in the service's PATH.
 */
export function programWarnings(config: LoadedConfig): HearthError[] {
  const out: HearthError[] = [];
  // A fleet runs a few programs many times over: each is looked at once per check.
  // Keyed by PATH, then program: no key string is made per service (a reload of 10,000 checks them all).
  const known = new Map<string, Map<string, ReturnType<typeof programProblem>>>();
  const problemOf = (program: string, pathVar: string) => {
    let programs = known.get(pathVar);
    if (!programs) known.set(pathVar, (programs = new Map()));
    if (!programs.has(program)) programs.set(program, programProblem(program, config.configDir, pathVar));
    return programs.get(program);
  };
  const check = (def: ServiceDefinition) => {
    const program = def.exec[0];
    if (!program) return;
    const problem = problemOf(program, def.environment.PATH ?? DEFAULT_PATH);
    if (problem) out.push(warning(config.configDir, def.origin, 'exec', `"exec" program ${problem.what}: "${def.name}" would fail to start`, problem.hint));
  };
  // forEach: a for-of over 10,000 services makes an iterator result per service.
  config.services.forEach(check);
  config.timers.forEach(check);
  for (const d of config.inetd.services) {
    if (!d.server) continue;
    const problem = problemOf(d.server, DEFAULT_PATH);
    if (problem) out.push(warning(config.configDir, d.origin, 'server', `"server" ${problem.what}: every connection to "${d.id}" would fail`, problem.hint));
  }
  return out;
}

function programProblem(program: string, configDir: string, pathVar: string): { what: string; hint?: string } | undefined {
  if (!program.includes('/')) {
    try {
      resolveExecutable(program, pathVar);
      return undefined;
    } catch {
      return { what: `"${program}" is not found in PATH (${pathVar})`, hint: 'give the full path, or set environment.PATH' };
    }
  }
  const full = isAbsolute(program) ? program : join(configDir, program);
  try {
    if (!statSync(full).isFile()) return { what: `"${program}" is not a file` };
  } catch {
    return { what: `"${program}" does not exist${full !== program ? ` (${full})` : ''}` };
  }
  try {
    accessSync(full, constants.X_OK);
    return undefined;
  } catch {
    return { what: `"${program}" is not executable`, hint: `chmod +x ${full}` };
  }
}

function warning(configDir: string, origin: Origin, key: string, message: string, hint: string | undefined): HearthError {
  return new HearthError('ERR_EXEC_NOT_FOUND', message, { file: origin.file, key, ...(lineOf(configDir, origin, key) ?? {}), ...(hint ? { hint } : {}) });
}

/** The line of `key` in a TOML service file, so the warning points at it. */
function lineOf(configDir: string, origin: Origin, key: string): { line: number } | undefined {
  if (origin.line !== undefined) return { line: origin.line };
  if (origin.format !== 'toml') return undefined;
  try {
    const line = findKeyLines(readFileSync(isAbsolute(origin.file) ? origin.file : join(configDir, origin.file), 'utf8')).lineOf([key]);
    return line !== undefined ? { line } : undefined;
  } catch {
    return undefined;
  }
}
