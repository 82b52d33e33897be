/**
 * The Debian package, end to end on this machine (CI runs as root): built by
 * `npm run package:deb`, lintian-clean, colliding with no file of Debian's
 * init packages, installed with dpkg, its hearthd run on a temp config and
 * driven by its hearth, its init script and systemd unit checked, its man
 * pages formatted, then removed (conffiles stay) and purged (nothing stays).
 * The package is purged again at the end whatever happened, so the machine is
 * left as it was.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, eventually, tempDir } from './helpers/index.js';
import { writeTree } from './helpers/daemon.js';

const work = tempDir('hearth-deb-');
let deb = '';
/** Paths in the package (./usr/bin/hearth → /usr/bin/hearth) and which of them are conffiles. */
let contents: Array<{ path: string; dir: boolean }> = [];
let conffiles: string[] = [];

function sh(cmd: string, args: string[], options: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000, ...options });
  return { code: r.status ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** dpkg, waiting while another dpkg or apt on this shared machine holds the lock. */
async function dpkg(...args: string[]) {
  let r = sh('dpkg', args);
  await eventually(() => {
    if (!/lock/i.test(r.stderr) || r.code === 0) return true;
    r = sh('dpkg', args);
    return false;
  }, 300_000, 'the dpkg lock');
  return r;
}

/**
 * Debian 12's own nodejs is 18; a real host gets Node 20 from a nodejs package
 * of version 20 (NodeSource's, as on these machines), which satisfies the
 * package's "nodejs (>= 20)". Where node 20 came some other way, dpkg cannot
 * know it is there, and only then the install forces that one dependency.
 */
function nodejsSatisfied(): boolean {
  const v = sh('dpkg-query', ['-W', '-f=${Version}', 'nodejs']);
  return v.code === 0 && sh('dpkg', ['--compare-versions', v.stdout, 'ge', '20']).code === 0;
}

function purge(): void {
  const pid = (() => {
    try {
      return Number(readFileSync('/run/hearthd.pid', 'utf8'));
    } catch {
      return 0;
    }
  })();
  if (pid > 0) sh('/etc/init.d/hearthd', ['stop']);
  sh('dpkg', ['-P', 'hearth']);
}

function installedPaths(): string[] {
  return contents.filter((c) => !c.dir).map((c) => c.path);
}

describe('the Debian package', () => {
  before(() => {
    purge();
    const built = sh('npm', ['run', '--silent', 'package:deb', '--', '--out', work.path], { cwd: REPO });
    assert.equal(built.code, 0, built.stderr);
    deb = built.stdout.trim().split('\n').at(-1)!;
    assert.match(deb, /\/hearth_\d+\.\d+\.\d+_[a-z0-9]+\.deb$/, 'the last line is the path of the .deb');
    contents = sh('dpkg-deb', ['-c', deb])
      .stdout.split('\n')
      .filter(Boolean)
      .map((line) => {
        const path = line.split(/\s+/)[5]!.replace(/^\./, '');
        return { path: path.replace(/\/$/, '') || '/', dir: line.startsWith('d') };
      });
    conffiles = sh('sh', ['-c', `dpkg-deb --ctrl-tarfile '${deb}' | tar -xOf - ./conffiles`]).stdout.split('\n').filter(Boolean);
  });
  after(() => {
    purge();
    work.cleanup();
  });

  test('control: named hearth, depends on nodejs 20, /etc files are conffiles', () => {
    const field = (f: string) => sh('dpkg-deb', ['-f', deb, f]).stdout.trim();
    assert.equal(field('Package'), 'hearth');
    assert.match(field('Depends'), /(^|, )nodejs \(>= 20\)(,|$)/);
    assert.deepEqual(conffiles.sort(), installedPaths().filter((p) => p.startsWith('/etc/')).sort());
    for (const want of ['/usr/bin/hearth', '/usr/bin/hearthd', '/usr/lib/hearth/native/build/hearth-init', '/usr/share/man/man1/hearth.1.gz', '/usr/share/man/man8/hearthd.8.gz', '/usr/lib/systemd/system/hearthd.service', '/etc/init.d/hearthd', '/etc/hearth/hearth.toml', '/usr/share/bash-completion/completions/hearth']) {
      assert.ok(installedPaths().includes(want), `${want} missing`);
    }
  });

  test('lintian finds nothing, pedantic and experimental checks included (explained overrides aside)', () => {
    const r = sh('lintian', ['-E', '--pedantic', '--display-info', deb]);
    const tags = r.stdout.split('\n').filter((l) => /^[EWIPX]: /.test(l));
    assert.deepEqual(tags, []);
  });

  test("no path of the package or of its alternatives is a file of Debian's init packages", () => {
    const dl = join(work.path, 'debian-packages');
    mkdirSync(dl, { recursive: true });
    const names = ['init-system-helpers', 'sysvinit-utils', 'sysvinit-core', 'systemd-sysv', 'systemd', 'insserv', 'initscripts'];
    const got = sh('apt-get', ['download', ...names], { cwd: dl });
    assert.equal(got.code, 0, got.stderr);
    // Merged /usr: /sbin/x and /usr/sbin/x are one file.
    const canonical = (p: string) => p.replace(/^\/(s?bin|lib)\//, '/usr/$1/');
    const theirs = new Map<string, string>();
    for (const name of names) {
      const file = sh('sh', ['-c', `ls ${dl}/${name}_*.deb`]).stdout.trim();
      for (const line of sh('dpkg-deb', ['-c', file]).stdout.split('\n').filter((l) => l && !l.startsWith('d'))) {
        theirs.set(canonical(line.split(/\s+/)[5]!.replace(/^\./, '')), name);
      }
    }
    const postinst = sh('sh', ['-c', `dpkg-deb --ctrl-tarfile '${deb}' | tar -xOf - ./postinst`]).stdout;
    const alternatives = /ALTERNATIVES="([^"]+)"/.exec(postinst)![1]!.split(' ').flatMap((n) => [`/usr/sbin/${n}`, `/usr/share/man/man8/${n}.8.gz`]);
    const clashes = [...installedPaths(), ...alternatives].map(canonical).filter((p) => theirs.has(p)).map((p) => `${p} (${theirs.get(p)})`);
    assert.deepEqual(clashes, []);
    // And the names hearth leaves alone really are Debian's.
    for (const name of ['/usr/sbin/service', '/usr/sbin/telinit', '/usr/sbin/runlevel']) assert.ok(theirs.has(name), `${name} is not Debian's any more: make it an alternative`);
  });

  test('installed: the installed hearthd runs a temp config and the installed hearth drives it', async () => {
    const forced = nodejsSatisfied() ? [] : ['--force-depends'];
    const installed = await dpkg('-i', ...forced, deb);
    assert.equal(installed.code, 0, installed.stderr);
    assert.match(sh('dpkg-query', ['-W', '-f=${Status}', 'hearth']).stdout, /install ok installed/);
    assert.equal(sh('/usr/bin/hearth', ['--version']).stdout.trim(), `hearth ${JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version}`);

    const dir = join(work.path, 'run');
    writeTree(join(dir, 'config'), { 'services/deb-sleeper.toml': 'exec = ["/bin/sleep", "1000"]\nstop_timeout = "2s"\n' });
    const daemon = spawn('/usr/bin/hearthd', ['--config-dir', join(dir, 'config'), '--state-dir', join(dir, 'state'), '--runtime-dir', join(dir, 'rt'), '--log-dir', join(dir, 'log'), '--web-listen', 'off'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    daemon.stdout!.on('data', (d) => (out += d));
    daemon.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
    const socket = join(dir, 'rt', 'hearth.sock');
    try {
      await eventually(() => sh('/usr/bin/hearth', ['--socket', socket, 'status', 'deb-sleeper']).code === 0, 20_000, 'deb-sleeper running');
      const doctor = JSON.parse(sh('/usr/bin/hearth', ['--socket', socket, 'doctor', '--json']).stdout) as { install: { kind: string; root: string }; checks: Array<{ id: string; status: string }> };
      assert.deepEqual(doctor.install, { kind: 'deb', root: '/usr/lib/hearth' });
      assert.equal(doctor.checks.find((c) => c.id === 'helpers')?.status, 'ok');
      // spawnSync above kept the event loop from reading hearthd's output: let it catch up.
      await eventually(() => out.includes('entering runlevel'), 20_000, "hearthd's boot messages");
      assert.match(out, /try "hearth --socket /);
      // The chkconfig alternative is hearth in chkconfig's syntax, with hearth's own words.
      const env = { ...process.env, HEARTH_SOCKET: socket };
      assert.match(sh('/usr/sbin/chkconfig', ['--list', 'deb-sleeper'], { env }).stdout, /^deb-sleeper\s+0:off\s+1:off\s+2:on\s+3:on\s+4:on\s+5:on\s+6:off$/m);
      const help = sh('/usr/sbin/chkconfig', ['--help'], { env });
      assert.match(help.stderr, /^chkconfig \(hearth /);
      assert.doesNotMatch(help.stderr, /Copyright|Red Hat/);
      assert.doesNotMatch(out, /npm run build|bin\/hearth\b|native helpers missing/);
    } finally {
      daemon.kill('SIGTERM');
    }
    assert.equal(await exited, 0, out);
  });

  test('installed: chkconfig and ntsysv are alternatives; service, telinit and runlevel stay Debian\'s', () => {
    assert.equal(sh('readlink', ['-f', '/usr/sbin/chkconfig']).stdout.trim(), '/usr/lib/hearth/bin/hearth');
    assert.match(sh('update-alternatives', ['--query', 'ntsysv']).stdout, /Value: \/usr\/lib\/hearth\/compat\/ntsysv/);
    assert.equal(lstatSync('/usr/sbin/service').isSymbolicLink(), false, '/usr/sbin/service must stay init-system-helpers\'s');
  });

  test('installed: man pages format, and "man hearth" finds the page', () => {
    for (const page of installedPaths().filter((p) => p.startsWith('/usr/share/man/'))) {
      const r = sh('man', ['--warnings', '-E', 'UTF-8', '-l', '-Tutf8', '-Z', page], { env: { ...process.env, LC_ALL: 'C.UTF-8', MANWIDTH: '80' } });
      assert.equal(r.code, 0, `${page}: ${r.stderr}`);
      assert.equal(r.stderr, '', `${page} has formatting warnings`);
      assert.match(sh('man', ['-l', page], { env: { ...process.env, MANPAGER: 'cat', MANWIDTH: '80' } }).stdout, /^NAME$/m);
    }
    assert.equal(sh('man', ['-w', 'hearth']).stdout.trim(), '/usr/share/man/man1/hearth.1.gz');
    assert.match(sh('man', ['hearth'], { env: { ...process.env, MANPAGER: 'cat', MANWIDTH: '80' } }).stdout, /hearth - control hearthd/);
  });

  test('installed: the systemd unit verifies, the init script starts, reports and stops hearthd', async () => {
    const verify = sh('systemd-analyze', ['verify', '/usr/lib/systemd/system/hearthd.service']);
    assert.equal(verify.code, 0, verify.stderr);
    assert.equal(verify.stderr.split('\n').filter((l) => l.includes('hearthd.service')).join('\n'), '');
    // A host without policy-rc.d had hearthd started by the postinst: start from a stopped one.
    assert.equal(sh('/etc/init.d/hearthd', ['stop']).code, 0);
    // No web GUI on the machine's port 9119 during the test; /etc/default/hearthd is read by the script.
    writeFileSync('/etc/default/hearthd', 'HEARTHD_OPTS="--web-listen off"\n');
    // This machine's /etc is real: hearthd from /etc/hearth would also run every systemd unit the
    // machine has enabled (systemd-tmpfiles --boot among them, which empties /tmp under the other
    // tests). It starts in a mount namespace where the machine's units and /tmp are hidden; /run is
    // shared, so the pidfile, the socket and the script's status and stop work from here.
    const hide = 'for d in /etc/systemd /usr/lib/systemd/system /tmp; do mount -t tmpfs tmpfs "$d"; done; exec /etc/init.d/hearthd start';
    const started = sh('unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c', hide]);
    assert.equal(started.code, 0, started.stdout + started.stderr);
    await eventually(() => sh('/usr/bin/hearth', ['--socket', '/run/hearth/hearth.sock', 'list']).code === 0, 20_000, 'the init script\'s hearthd answering');
    assert.equal(sh('/etc/init.d/hearthd', ['status']).code, 0);
    const pid = Number(readFileSync('/run/hearthd.pid', 'utf8'));
    const stopped = sh('/etc/init.d/hearthd', ['stop']);
    assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr);
    assert.equal(existsSync(`/proc/${pid}`), false, 'hearthd still running after stop');
    assert.equal(sh('/etc/init.d/hearthd', ['stop']).code, 0, 'stopping a stopped hearthd succeeds');
    assert.equal(sh('/etc/init.d/hearthd', ['status']).code, 3);
    assert.match(readFileSync('/var/log/hearth/hearthd.out', 'utf8'), /entering runlevel/);
  });

  test('dpkg -r leaves only the conffiles, dpkg -P removes them too', async () => {
    const removed = await dpkg('-r', 'hearth');
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(sh('dpkg-query', ['-W', '-f=${Status}', 'hearth']).stdout, /deinstall ok config-files/);
    const left = installedPaths().filter((p) => existsSync(p) || isLink(p));
    assert.deepEqual(left.sort(), [...conffiles].sort());
    assert.equal(existsSync('/usr/sbin/chkconfig') || isLink('/usr/sbin/chkconfig'), false, 'the chkconfig alternative outlived the package');

    const purged = await dpkg('-P', 'hearth');
    assert.equal(purged.code, 0, purged.stderr);
    assert.equal(sh('dpkg-query', ['-W', 'hearth']).code, 1, 'dpkg still knows the package');
    assert.deepEqual(installedPaths().filter((p) => existsSync(p) || isLink(p)), []);
    for (const dir of ['/etc/hearth', '/var/lib/hearth', '/var/log/hearth', '/usr/lib/hearth']) assert.equal(existsSync(dir), false, `${dir} left after purge`);
    assert.equal(sh('sh', ['-c', 'ls /etc/rc*.d/*hearthd 2>/dev/null']).stdout, '', 'rc links left after purge');
  });
});

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
