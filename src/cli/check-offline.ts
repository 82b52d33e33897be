import type { ConfigReport } from '../client/index.js';
import { HearthError } from '../errors/index.js';

/**
 * `hearth check --config-dir DIR` without a daemon: the very function hearthd
 * runs for `check`, so the output and exit status are the same either way.
 * Imported lazily: the loaders (and smol-toml) are only needed here.
 */
export async function checkOffline(dir: string): Promise<ConfigReport> {
  let mod: typeof import('../config/index.js');
  try {
    mod = await import('../config/index.js');
  } catch (e) {
    throw new HearthError('ERR_INTERNAL', `cannot check "${dir}" without hearthd: the config loaders failed to load`, { cause: e });
  }
  return mod.checkConfigDir(dir);
}
