import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Creates the named pipes among `paths` that do not exist yet (mode 0600),
 * with one mkfifo(1) run for all of them: Node has no mkfifo. Throws with
 * mkfifo's own words when it fails.
 */
export function makeFifos(paths: string[]): void {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return;
  try {
    execFileSync('mkfifo', ['-m', '600', '--', ...missing], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const said = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(said || (e as Error).message);
  }
}
