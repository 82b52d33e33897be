/**
 * Where units are looked for. A leaf of the library (it imports nothing of
 * it): hearthd asks whether these directories hold anything before it loads
 * the rest of src/systemd.
 */
import * as path from 'node:path';

/** systemd's own system unit directories, highest priority first (passed in, never assumed, so tests stay hermetic). */
export const SYSTEMD_UNIT_PATHS: readonly string[] = ['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];

/** hearth's search path: CONFIG_DIR/systemd (hearth-only units, highest priority), then `[systemd] unit_paths`. */
export function defaultSearchPath(configDir: string, unitPaths: readonly string[]): string[] {
  return [path.join(configDir, 'systemd'), ...unitPaths];
}
