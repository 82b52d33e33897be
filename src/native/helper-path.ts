/**
 * Where this copy of hearth is installed, where its C helpers are, and what
 * to tell the user when one is missing. The advice depends on how hearth got
 * here: an installed copy has no `npm run build`, and a Debian package is
 * repaired by reinstalling it, not by compiling anything.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: src/native (tsx), dist/native and dist/main (bundles) are all two levels below it. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/(.)\/$/, '$1');

/**
 * A file the Debian package (and any other packager) writes at the package
 * root, naming how this copy was installed: one word, such as "deb".
 */
export const INSTALL_MARKER = '.hearth-install';

export type InstallKind = 'checkout' | 'deb' | 'npm-global' | 'npm-local' | 'unknown';

export interface NativeHelper {
  name: string;
  /** What stops working without it, said to the user as is. */
  without: string;
}

/** Every helper in native/, and what hearth loses without it. */
export const NATIVE_HELPERS: readonly NativeHelper[] = [
  { name: 'hearth-init', without: 'orphaned processes are not reaped when hearthd is PID 1 (so it refuses to run as PID 1), and HEARTH_SUBREAPER=1 has no effect' },
  { name: 'hearth-dgram', without: 'services with ready = "notify" cannot start, and the syslog socket is off' },
  { name: 'hearth-notify', without: 'scripts cannot report readiness with hearth-notify' },
  { name: 'hearth-spawner', without: "per-connection (inetd-style) servers start through Node's own spawn, about half as fast" },
  {
    name: 'hearth-spool',
    without: 'hearthd reads service output from its pipes itself: a line it has read but not yet journaled when it is killed (kill -9, OOM) is lost, and pool workers lose what is in their pipes',
  },
  { name: 'hearth-acceptor', without: 'plain TCP inetd-style services accept their connections in hearthd itself, which is slower' },
  {
    name: 'hearth-exec',
    without: 'systemd units that ask for sandboxing (ProtectSystem=, PrivateTmp=, ReadWritePaths= …), OOMScoreAdjust=, IgnoreSIGPIPE= or an "@" argv[0] are refused at start',
  },
  {
    name: 'hearth-socket',
    without: 'systemd .socket units with Accept=no cannot be started',
  },
  {
    name: 'hearth-watch',
    without: 'a reload stat(2)s every service file to find the changed ones, which a reload of thousands of services feels',
  },
  {
    name: 'hearth-cgexec',
    without: 'units are tracked by process groups and an environment marker instead of cgroups: a process that starts a new session and clears its environment escapes, and resource limits are refused',
  },
];

/** Absolute path of a helper built from native/, or null if it was not built. */
export function nativeHelperPath(name: string, root = PACKAGE_ROOT): string | null {
  const path = join(root, 'native', 'build', name);
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return null;
  }
}

/** The helpers this copy lacks, in NATIVE_HELPERS order. */
export function missingHelpers(root = PACKAGE_ROOT): NativeHelper[] {
  return NATIVE_HELPERS.filter((h) => nativeHelperPath(h.name, root) === null);
}

export function installKind(root = PACKAGE_ROOT): InstallKind {
  try {
    const said = readFileSync(join(root, INSTALL_MARKER), 'utf8').trim();
    if (said === 'deb') return 'deb';
  } catch {
    // no marker: not installed by a packager
  }
  if (existsSync(join(root, '.git'))) return 'checkout';
  const parts = root.split(sep).filter(Boolean);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return 'unknown';
  // npm install -g puts packages in PREFIX/lib/node_modules; a project keeps them in PROJECT/node_modules.
  return parts[at - 1] === 'lib' ? 'npm-global' : 'npm-local';
}

/** One sentence: how to get the helpers built for this kind of install. */
export function helperBuildAdvice(kind = installKind(), root = PACKAGE_ROOT): string {
  const compiler = 'install a C compiler (Debian: apt-get install gcc libc6-dev)';
  switch (kind) {
    case 'checkout':
      return `${compiler}, then run "npm run build:native" in ${root}`;
    case 'deb':
      return 'the package is damaged: reinstall it with "apt-get install --reinstall hearth"';
    default:
      // Not "npm rebuild": npm may be set to skip packages' install scripts, and this works either way.
      return `${compiler}, then run "node ${join(root, 'scripts', 'build-native.mjs')}"`;
  }
}

/** One sentence: how to get back a file that a build makes (the web GUI's page), for this kind of install. */
export function rebuildAdvice(kind = installKind()): string {
  switch (kind) {
    case 'checkout':
      return 'run "npm run build"';
    case 'npm-global':
      return 'reinstall hearth with "npm install -g hearth"';
    case 'npm-local':
      return 'reinstall hearth with "npm install hearth"';
    case 'deb':
      return 'the package is damaged: reinstall it with "apt-get install --reinstall hearth"';
    case 'unknown':
      return 'reinstall hearth';
  }
}
