/**
 * Where a config's systemd units are, and whether there are any: answered
 * without src/systemd's loader, so that a hearthd whose unit directories
 * hold nothing never loads (nor compiles, nor keeps the source of) the code
 * that reads units.
 */
import { opendir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SYSTEMD_UNIT_PATHS, defaultSearchPath } from '../systemd/search-path.js';
import type { DaemonSettings } from './daemon-settings.js';

/** The config dir hearthd is given when it manages this host. */
export const HOST_CONFIG_DIR = '/etc/hearth';

export interface SystemdDirs {
  /** Unit directories, highest priority first. */
  searchPath: string[];
  /** Where enable, disable, mask and unmask make their links. */
  linkDir: string;
}

export function systemdSearchPath(configDir: string, settings: DaemonSettings): string[] {
  const managesHost = resolve(configDir) === HOST_CONFIG_DIR;
  return defaultSearchPath(configDir, settings.systemd.unitPaths ?? (managesHost ? SYSTEMD_UNIT_PATHS : []));
}

/** systemctl enable on a host writes to /etc/systemd/system; a private config dir keeps its links to itself. */
export function systemdLinkDir(configDir: string): string {
  return resolve(configDir) === HOST_CONFIG_DIR ? '/etc/systemd/system' : join(configDir, 'systemd');
}

/**
 * Whether any unit directory has an entry. Any entry counts (a stray file,
 * an empty .wants/ folder): then the loader reads them all and decides, as
 * it always did. Only directories that are missing or empty are skipped, and
 * for those the loader finds no unit and says nothing. A directory that
 * cannot be listed for another reason is left to the loader too.
 */
export async function unitDirsHoldAnything(searchPath: readonly string[]): Promise<boolean> {
  for (const dir of searchPath) {
    try {
      // One entry is enough: a host's /lib/systemd/system is not listed whole for this.
      const listing = await opendir(dir);
      try {
        if ((await listing.read()) !== null) return true;
      } finally {
        await listing.close();
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return true;
    }
  }
  return false;
}
