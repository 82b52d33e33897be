#!/usr/bin/env node
// `npm run package:deb`: builds hearth_VERSION_ARCH.deb with dpkg-deb from this
// checkout (no network: the dependencies are bundled from node_modules), and
// prints the path of the .deb as its last line.
//
// usage: package-deb.mjs [--out DIR]   (default: dist/deb)
//
// What goes where, and why, is in docs/install.md. The package never writes
// the repository's dist/: it bundles straight into its staging tree, so tests
// running beside a package build keep their files.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { bundle } from './bundle.mjs';
import { debianControl, debianCopyright, debianChangelog } from './deb-metadata.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const outDir = resolve(values.out ?? join(root, 'dist', 'deb'));

/** Runs a tool, failing the build with its own words when it fails. */
function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr ?? `exit ${r.status}`}`);
  }
  return r.stdout;
}

function say(text) {
  process.stderr.write(`package-deb: ${text}\n`);
}

function write(path, content, mode = 0o644) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  chmodSync(path, mode);
}

function copy(from, to, mode = 0o644) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  chmodSync(to, mode);
}

function link(target, path) {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
}

/** gzip as Debian wants it: best compression, no name or time stamp inside. */
function gzip(content) {
  return gzipSync(content, { level: 9 });
}

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const arch = run('dpkg', ['--print-architecture']).trim();
const gitTime = spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8' }).stdout?.trim();
const epoch = process.env.SOURCE_DATE_EPOCH ?? (gitTime || String(Math.floor(Date.now() / 1000)));
const stage = mkdtempSync(join(tmpdir(), 'hearth-deb-'));
// mkdtemp makes it 0700; it becomes the package's / and every folder is 0755.
chmodSync(stage, 0o755);
const lib = join(stage, 'usr', 'lib', 'hearth');

try {
  // The JavaScript: the CLI and daemon bundles (dependencies inside) and the GUI.
  say('bundling');
  const bundled = await bundle({ outRoot: lib, sourcemap: false });
  // Only what the bundles need of package.json: the version, and ESM for bin/.
  write(join(lib, 'package.json'), `${JSON.stringify({ name: pkg.name, version: pkg.version, description: pkg.description, license: pkg.license, type: 'module' }, null, 2)}\n`);
  for (const file of ['hearth', 'hearthd.mjs']) {
    // Debian runs scripts with the interpreter's path, not through env.
    const text = readFileSync(join(root, 'bin', file), 'utf8').replace(/^#!\/usr\/bin\/env node\n/, '#!/usr/bin/node\n');
    write(join(lib, 'bin', file), text, 0o755);
  }
  copy(join(root, 'bin', 'hearthd'), join(lib, 'bin', 'hearthd'), 0o755);
  write(join(lib, '.hearth-install'), 'deb\n');

  // The C helpers, with the distribution's hardening flags, stripped.
  say('compiling the native helpers');
  const flagEnv = { ...process.env, DEB_BUILD_MAINT_OPTIONS: 'hardening=+all' };
  const flags = Object.fromEntries(['CFLAGS', 'CPPFLAGS', 'LDFLAGS'].map((f) => [f, run('dpkg-buildflags', ['--get', f], { env: flagEnv }).trim()]));
  const nativeOut = join(lib, 'native', 'build');
  run(process.execPath, [join(root, 'scripts', 'build-native.mjs'), '--out', nativeOut, '--force'], { env: { ...process.env, ...flags, HEARTH_REQUIRE_NATIVE: '1' }, stdio: 'inherit' });
  const helpers = readdirSync(nativeOut).map((f) => join(nativeOut, f));
  run('strip', ['--remove-section=.comment', '--remove-section=.note', ...helpers]);
  for (const h of helpers) chmodSync(h, 0o755);

  // hearth and hearthd on the PATH; the classic names in compat/ (see the postinst for which become alternatives).
  link('../lib/hearth/bin/hearth', join(stage, 'usr', 'bin', 'hearth'));
  link('../lib/hearth/bin/hearthd', join(stage, 'usr', 'bin', 'hearthd'));
  for (const name of ['chkconfig', 'service', 'telinit', 'runlevel', 'ntsysv']) link('../bin/hearth', join(lib, 'compat', name));

  // Man pages and completion, from the same tables as --help.
  say('man pages and completion');
  const manDir = mkdtempSync(join(tmpdir(), 'hearth-man-'));
  run(process.execPath, ['--import', 'tsx', join(root, 'man', 'build.ts'), manDir], { cwd: root, env: { ...process.env, SOURCE_DATE_EPOCH: epoch } });
  for (const page of readdirSync(manDir)) {
    write(join(stage, 'usr', 'share', 'man', `man${page.slice(-1)}`, `${page}.gz`), gzip(readFileSync(join(manDir, page))));
  }
  rmSync(manDir, { recursive: true, force: true });
  const hearth = join(lib, 'bin', 'hearth');
  write(join(stage, 'usr', 'share', 'bash-completion', 'completions', 'hearth'), run(process.execPath, [hearth, 'completion', 'bash']));
  write(join(stage, 'usr', 'share', 'zsh', 'vendor-completions', '_hearth'), run(process.execPath, [hearth, 'completion', 'zsh']));
  write(join(stage, 'usr', 'share', 'fish', 'vendor_completions.d', 'hearth.fish'), run(process.execPath, [hearth, 'completion', 'fish']));

  // Starting hearthd at boot, and its configuration.
  const packaging = join(root, 'packaging');
  copy(join(packaging, 'hearthd.service'), join(stage, 'usr', 'lib', 'systemd', 'system', 'hearthd.service'));
  copy(join(packaging, 'hearthd.init'), join(stage, 'etc', 'init.d', 'hearthd'), 0o755);
  copy(join(packaging, 'default-hearthd'), join(stage, 'etc', 'default', 'hearthd'));
  copy(join(packaging, 'etc', 'hearth.toml'), join(stage, 'etc', 'hearth', 'hearth.toml'));
  for (const sub of ['services', 'init.d', 'xinetd.d', 'cron.d']) mkdirSync(join(stage, 'etc', 'hearth', sub), { recursive: true });

  // Documentation: copyright (with the bundled libraries' notices), changelog, the user docs.
  const doc = join(stage, 'usr', 'share', 'doc', 'hearth');
  write(join(doc, 'copyright'), debianCopyright(root, bundled));
  write(join(doc, 'changelog.gz'), gzip(debianChangelog(pkg.version, Number(epoch), spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout?.trim())));
  copy(join(root, 'README.md'), join(doc, 'README.md'));
  copy(join(packaging, 'lintian-overrides'), join(stage, 'usr', 'share', 'lintian', 'overrides', 'hearth'));
  for (const f of readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'))) copy(join(root, 'docs', f), join(doc, 'docs', f));

  // DEBIAN/: control, the maintainer scripts, conffiles, md5sums.
  const debian = join(stage, 'DEBIAN');
  const files = walk(stage).filter((f) => !f.startsWith(debian));
  const etc = files.filter((f) => relative(stage, f).startsWith('etc/')).map((f) => `/${relative(stage, f)}`).sort();
  write(join(debian, 'conffiles'), `${etc.join('\n')}\n`);
  for (const script of ['postinst', 'prerm', 'postrm']) copy(join(packaging, 'debian', script), join(debian, script), 0o755);
  const md5 = files
    .filter((f) => !relative(stage, f).startsWith('etc/') && !isSymlink(f))
    .map((f) => `${createHash('md5').update(readFileSync(f)).digest('hex')}  ${relative(stage, f)}`)
    .sort((a, b) => a.slice(34).localeCompare(b.slice(34)));
  write(join(debian, 'md5sums'), `${md5.join('\n')}\n`);
  const installedKiB = Number(run('du', ['-sk', '--apparent-size', '--exclude=DEBIAN', stage]).split(/\s/)[0]);
  write(join(debian, 'control'), debianControl({ version: pkg.version, arch, installedKiB, libcDepends: shlibDepends(helpers) }));

  mkdirSync(outDir, { recursive: true });
  const deb = join(outDir, `${pkg.name}_${pkg.version}_${arch}.deb`);
  run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], { env: { ...process.env, SOURCE_DATE_EPOCH: epoch } });
  say(`built ${relative(process.cwd(), deb) || deb}`);
  process.stdout.write(`${deb}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

function isSymlink(path) {
  return lstatSync(path).isSymbolicLink();
}

/** The C library the helpers need, as dpkg-shlibdeps works it out from their symbols. */
function shlibDepends(binaries) {
  const work = mkdtempSync(join(tmpdir(), 'hearth-shlibs-'));
  try {
    write(join(work, 'debian', 'control'), 'Source: hearth\n\nPackage: hearth\nArchitecture: any\n');
    const out = run('dpkg-shlibdeps', ['-O', ...binaries.map((b) => `-e${b}`)], { cwd: work });
    return /shlibs:Depends=(.*)/.exec(out)?.[1]?.trim() ?? '';
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
