/**
 * Real Debian packages for differential tests: downloaded with `apt-get
 * download` and unpacked with `dpkg-deb -x` into a cache dir outside the
 * repository (never committed). Several test processes may ask at once:
 * each unpacks privately and renames the result into place; the first
 * rename wins and the others use it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CACHE = process.env.HEARTH_DEB_CACHE ?? path.join(os.tmpdir(), 'hearth-deb-cache');

/** The root of the unpacked packages (files at their installed paths, e.g. ROOT/etc/init.d/cron). */
export function unpackDebianPackages(packages: readonly string[]): string {
  const key = createHash('sha256').update([...packages].sort().join(' ')).digest('hex').slice(0, 16);
  const target = path.join(CACHE, key);
  if (fs.existsSync(path.join(target, '.complete'))) return target;
  fs.mkdirSync(CACHE, { recursive: true });
  const work = fs.mkdtempSync(path.join(CACHE, `.work-${key}-`));
  try {
    const debs = path.join(work, 'debs');
    const root = path.join(work, 'root');
    fs.mkdirSync(debs);
    fs.mkdirSync(root);
    execFileSync('apt-get', ['download', ...packages], { cwd: debs, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
    for (const deb of fs.readdirSync(debs).filter((f) => f.endsWith('.deb'))) {
      execFileSync('dpkg-deb', ['-x', path.join(debs, deb), root], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
    fs.writeFileSync(path.join(root, '.complete'), `${packages.join('\n')}\n`);
    try {
      fs.renameSync(root, target);
    } catch {
      // Another process got there first; its copy is as good as ours.
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  if (!fs.existsSync(path.join(target, '.complete'))) throw new Error(`could not unpack ${packages.join(' ')} into ${target}`);
  return target;
}

/** The `### BEGIN INIT INFO` … `### END INIT INFO` block of a script, verbatim (empty when it has none). */
export function lsbBlock(text: string): string {
  const lines = text.split('\n');
  const begin = lines.findIndex((l) => /^###\s*BEGIN INIT INFO/.test(l));
  if (begin < 0) return '';
  const end = lines.findIndex((l, i) => i > begin && /^###\s*END INIT INFO/.test(l));
  return end < 0 ? '' : lines.slice(begin, end + 1).join('\n');
}
