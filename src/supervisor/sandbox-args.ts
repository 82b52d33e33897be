import { HearthError } from '../errors/index.js';
import type { CommandLine, ServiceDefinition } from '../model/index.js';

/** Where a unit's private /tmp and /var/tmp live on the host while it runs (systemd's PrivateTmp= layout). */
export interface PrivateTmp {
  tmp: string;
  varTmp: string;
}

/**
 * The hearth-exec options for one command of a service: the OOM score, SIGPIPE, and the mount namespace that makes systemd's
 * ProtectSystem=, ProtectHome=, ReadOnlyPaths=, ReadWritePaths=,
 * InaccessiblePaths= and PrivateTmp= true. A "+" command runs outside the
 * sandbox, as under systemd. Empty when nothing is asked for.
 */
export function execHelperArgs(
  helper: string | null,
  def: ServiceDefinition,
  command: CommandLine | undefined,
  privateTmp: PrivateTmp | undefined,
  receiveFds: Array<{ controlPath: string; firstFd: number }> = [],
): string[] {
  const args: string[] = [];
  for (const r of receiveFds) args.push('--receive-fds', `${r.controlPath}:${r.firstFd}`);
  if (def.ignoreSigpipe) args.push('--ignore-sigpipe');
  if (def.oomScoreAdjust !== undefined) args.push('--oom-score-adj', String(def.oomScoreAdjust));
  if (command?.privileges !== 'full') args.push(...mountOptions(def, privateTmp));
  if (args.length === 0) return [];
  if (helper === null) throw missingHelper(def.name, 'its sandboxing and process settings (ProtectSystem=, PrivateTmp=, OOMScoreAdjust=, IgnoreSIGPIPE= …)');
  return [helper, ...args, '--'];
}

/** The last wrapper before a program that must see another argv[0] (systemd's "@"). */
export function argv0Wrapper(helper: string | null, name: string, argv0: string): string[] {
  if (helper === null) throw missingHelper(name, 'an "@" argv[0]');
  return [helper, '--argv0', argv0, '--'];
}

function missingHelper(name: string, what: string): HearthError {
  return new HearthError('ERR_SPAWN', `cannot start "${name}": ${what} needs the hearth-exec helper, which is not built`, {
    hint: 'run "hearth doctor" to see how to build the native helpers',
  });
}

/** systemd's "+" (relative to RootDirectory=, which hearth does not change) means nothing here; "-" stays: missing is fine. */
function clean(path: string): string {
  const optional = path.startsWith('-');
  const rest = (optional ? path.slice(1) : path).replace(/^\+/, '');
  return optional ? `-${rest}` : rest;
}

function mountOptions(def: ServiceDefinition, privateTmp: PrivateTmp | undefined): string[] {
  const s = def.sandbox;
  if (!s) return [];
  const readOnly: string[] = [];
  const readWrite: string[] = [];
  const hidden: string[] = [];
  const emptied: string[] = [];
  const system = s.protectSystem ?? 'no';
  if (system === 'strict') readOnly.push('/');
  else if (system === 'yes' || system === 'full') readOnly.push('-/usr', '-/boot', '-/efi', ...(system === 'full' ? ['/etc'] : []));
  const home = ['-/home', '-/root', '-/run/user'];
  if (s.protectHome === 'read-only') readOnly.push(...home);
  else if (s.protectHome === 'yes') hidden.push(...home);
  else if (s.protectHome === 'tmpfs') emptied.push(...home);
  readOnly.push(...(s.readOnlyPaths ?? []).map(clean));
  readWrite.push(...(s.readWritePaths ?? []).map(clean));
  // What systemd makes writable by itself under ProtectSystem=strict: the unit's own directories.
  if (system === 'strict') for (const d of def.directories ?? []) if (d.kind !== 'configuration') readWrite.push(d.path);
  hidden.push(...(s.inaccessiblePaths ?? []).map(clean));
  const args: string[] = [];
  for (const p of readOnly) args.push('--read-only', p);
  for (const p of readWrite) args.push('--read-write', p);
  if (s.privateTmp) {
    // Without the host directories (only asked to tell whether the helper is needed) any placeholder does.
    args.push('--bind', `${privateTmp?.tmp ?? '/tmp'}:/tmp`, '--bind', `${privateTmp?.varTmp ?? '/var/tmp'}:/var/tmp`);
  }
  for (const p of hidden) args.push('--inaccessible', p);
  for (const p of emptied) args.push('--tmpfs', p);
  return args;
}
