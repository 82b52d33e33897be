/**
 * Real unit files from Debian packages, fetched at test time with
 * `apt-get download` and unpacked with `dpkg-deb -x` into a cache under the
 * OS temp dir (never into the repository). Several test files may ask at
 * once: each builds in a private directory and renames it into place, so a
 * half-built tree is never seen. Skips only when apt cannot fetch.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The packages whose units the systemd tests read (systemd itself for syslog.socket and the targets). */
export const DEBIAN_UNIT_PACKAGES = [
  'nginx-common', 'redis-server', 'memcached', 'openssh-server', 'cron', 'rsyslog', 'dnsmasq', 'postgresql-common', 'e2fsprogs', 'util-linux', 'systemd',
];

export interface DebianTree {
  /** Where the packages were unpacked (as if it were /). */
  root: string;
  /** root/lib/systemd/system. */
  unitDir: string;
}

/** Where Debian's packages are unpacked, shared by the tests (outside the checkout). */
export const DEBIAN_UNITS_CACHE = path.join(os.tmpdir(), 'hearth-debian-units');
const CACHE = DEBIAN_UNITS_CACHE;

function run(cmd: string, args: string[], cwd: string): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/**
 * Downloads and unpacks the packages (once per package set), or says why it
 * cannot: the returned string is a skip reason.
 */
export function debianTree(packages: readonly string[] = DEBIAN_UNIT_PACKAGES): DebianTree | string {
  const key = createHash('sha256').update([...packages].sort().join(' ')).digest('hex').slice(0, 12);
  const root = path.join(CACHE, `root-${key}`);
  const tree = { root, unitDir: path.join(root, 'lib/systemd/system') };
  if (fs.existsSync(path.join(root, '.complete'))) return tree;
  if (spawnSync('apt-get', ['--version']).status !== 0 || spawnSync('dpkg-deb', ['--version']).status !== 0) return 'apt-get/dpkg-deb not available';
  fs.mkdirSync(CACHE, { recursive: true });
  const work = fs.mkdtempSync(path.join(CACHE, 'build-'));
  try {
    const dl = run('apt-get', ['download', ...packages], work);
    const debs = fs.readdirSync(work).filter((f) => f.endsWith('.deb'));
    if (!dl.ok || debs.length < packages.length) return `apt-get download failed (apt unreachable?): ${dl.out.trim().split('\n').slice(-2).join(' ')}`;
    const staging = path.join(work, 'root');
    fs.mkdirSync(staging);
    for (const deb of debs) {
      const x = run('dpkg-deb', ['-x', deb, staging], work);
      if (!x.ok) throw new Error(`dpkg-deb -x ${deb} failed: ${x.out}`);
    }
    // Debian 12 merges /lib into /usr/lib; packages still ship units under either.
    const usrUnits = path.join(staging, 'usr/lib/systemd/system');
    if (fs.existsSync(usrUnits)) {
      fs.mkdirSync(path.join(staging, 'lib/systemd/system'), { recursive: true });
      fs.cpSync(usrUnits, path.join(staging, 'lib/systemd/system'), { recursive: true, verbatimSymlinks: true, force: false, errorOnExist: false });
    }
    fs.writeFileSync(path.join(staging, '.complete'), debs.sort().join('\n'));
    try {
      fs.renameSync(staging, root);
    } catch {
      // Another test built it first; theirs is as good as ours.
      if (!fs.existsSync(path.join(root, '.complete'))) throw new Error(`could not place ${root}`);
    }
    return tree;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The unit files of the tree, by name (regular files and symlinks). */
export function unitFilesIn(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile() || d.isSymbolicLink()).map((d) => d.name).sort();
}
