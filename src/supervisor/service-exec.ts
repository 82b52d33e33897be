import { chmodSync, chownSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HearthError } from '../errors/index.js';
import type { ServiceDefinition, ServiceDirectory } from '../model/index.js';
import { lookupGroup, lookupUser } from '../process/index.js';
import { parseEnvironmentFile } from '../systemd/environment-file.js';
import type { PrivateTmp } from './sandbox-args.js';

/** An environment file is a few lines of VAR=value; anything bigger is a mistake or an attack. */
export const ENVIRONMENT_FILE_MAX_BYTES = 1024 * 1024;

const DIRECTORY_VARIABLES: Record<ServiceDirectory['kind'], string> = {
  runtime: 'RUNTIME_DIRECTORY',
  state: 'STATE_DIRECTORY',
  cache: 'CACHE_DIRECTORY',
  logs: 'LOGS_DIRECTORY',
  configuration: 'CONFIGURATION_DIRECTORY',
};

/**
 * The file is often owned by the application's own user, who could swap it
 * for a FIFO (which would block hearthd) or /dev/zero (which would fill its
 * memory). So it is opened without blocking, must be a regular file by its
 * open descriptor (not by its path, which can change meanwhile), and is read
 * up to a cap. Returns undefined when it does not exist.
 */
export function readSmallFile(path: string, refuse: (why: string, cause?: unknown) => HearthError): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
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
    return buf.subarray(0, got).toString('utf8');
  } catch (e) {
    if (e instanceof HearthError) throw e;
    throw refuse(`cannot be read: ${(e as Error).message}`, e);
  } finally {
    closeSync(fd);
  }
}

/** systemd's EnvironmentFile=: every file in order, later assignments win; a missing "-" file is skipped. */
export function readEnvironmentFiles(def: ServiceDefinition): Record<string, string> {
  const env: Record<string, string> = {};
  for (const f of def.environmentFiles ?? []) {
    const refuse = (why: string, cause?: unknown) => new HearthError('ERR_SPAWN', `cannot start "${def.name}": EnvironmentFile "${f.path}" ${why}`, cause === undefined ? {} : { cause });
    const text = readSmallFile(f.path, refuse);
    if (text === undefined) {
      if (f.optional) continue;
      throw refuse('does not exist');
    }
    for (const [k, v] of parseEnvironmentFile(text).vars) env[k] = v;
  }
  return env;
}

/** The uid and gid the service's own directories belong to. */
function ownerOf(def: ServiceDefinition): { uid: number; gid: number } | undefined {
  if (def.user === undefined && def.group === undefined) return undefined;
  const user = def.user !== undefined ? lookupUser(def.user) : undefined;
  const gid = def.group !== undefined ? lookupGroup(def.group).gid : (user?.gid ?? 0);
  return { uid: user?.uid ?? 0, gid };
}

/**
 * Makes RuntimeDirectory= and the other directories before a start: parents
 * as root with mode 0755, the directory itself with its mode and, except
 * configuration directories, owned by the service's user (as systemd does).
 * Returns $RUNTIME_DIRECTORY and friends.
 */
export function prepareDirectories(def: ServiceDefinition): Record<string, string> {
  const env: Record<string, string> = {};
  const dirs = def.directories ?? [];
  if (dirs.length === 0) return env;
  const owner = ownerOf(def);
  for (const d of dirs) {
    try {
      mkdirSync(dirname(d.path), { recursive: true, mode: 0o755 });
      mkdirSync(d.path, { recursive: true, mode: d.mode });
      chmodSync(d.path, d.mode);
      if (owner && d.kind !== 'configuration') chownSync(d.path, owner.uid, owner.gid);
      if (d.link !== undefined && lstatSync(d.link, { throwIfNoEntry: false }) === undefined) {
        mkdirSync(dirname(d.link), { recursive: true, mode: 0o755 });
        symlinkSync(d.path, d.link);
      }
    } catch (e) {
      throw new HearthError('ERR_SPAWN', `cannot start "${def.name}": cannot make its ${d.kind} directory "${d.path}": ${(e as Error).message}`, { cause: e });
    }
    const key = DIRECTORY_VARIABLES[d.kind];
    env[key] = env[key] ? `${env[key]}:${d.path}` : d.path;
  }
  return env;
}

/** After a stop: runtime directories go, unless RuntimeDirectoryPreserve= keeps them (always, or across a restart). */
export function removeRuntimeDirectories(def: ServiceDefinition, restarting: boolean): void {
  const preserve = def.preserveRuntimeDirectories ?? 'no';
  if (preserve === 'yes' || (preserve === 'restart' && restarting)) return;
  for (const d of def.directories ?? []) {
    if (d.kind === 'runtime') rmSync(d.path, { recursive: true, force: true });
  }
}

/** The private /tmp and /var/tmp of a PrivateTmp= unit, shared by all its processes while it runs, as systemd lays them out. */
export function createPrivateTmp(def: ServiceDefinition): PrivateTmp | undefined {
  if (!def.sandbox?.privateTmp) return undefined;
  const make = (base: string) => {
    const outer = mkdtempSync(join(base, `hearth-private-${def.name.replace(/[^A-Za-z0-9_.@-]/g, '_')}-`));
    chmodSync(outer, 0o700);
    const inner = join(outer, 'tmp');
    mkdirSync(inner);
    chmodSync(inner, 0o1777);
    return inner;
  };
  try {
    const tmp = make('/tmp');
    return { tmp, varTmp: make('/var/tmp') };
  } catch (e) {
    throw new HearthError('ERR_SPAWN', `cannot start "${def.name}": cannot make its private /tmp: ${(e as Error).message}`, { cause: e });
  }
}

export function removePrivateTmp(p: PrivateTmp | undefined): void {
  if (!p) return;
  for (const dir of [p.tmp, p.varTmp]) rmSync(dirname(dir), { recursive: true, force: true });
}
