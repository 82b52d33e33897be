#!/usr/bin/env node
// Builds the small C helpers in native/: at `npm install` of the package (its
// "install" script), in `npm run build`, and for the Debian package (with
// --out and the distribution's hardening flags in CFLAGS/LDFLAGS). A machine
// without a C compiler still gets a working hearth: hearthd says at start
// which helpers are missing, what that costs, and how to get them.
//
// Each native/hearth-NAME.c is one helper. Its parts, if it has any, sit in
// native/NAME/ (hearth-spawner's JSON parser in native/spawner/), and code two
// helpers share sits in native/common/, linked in by the table below.
//
// usage: build-native.mjs [--out DIR] [--force]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({ options: { out: { type: 'string' }, force: { type: 'boolean', default: false } } });
const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'native');
const out = values.out ? resolve(values.out) : join(src, 'build');
mkdirSync(out, { recursive: true });
const cc = process.env.CC || 'cc';
const words = (name) => (process.env[name] ?? '').split(/\s+/).filter(Boolean);

/** Shared sources (native/common/) each helper links. */
const COMMON = {
  'hearth-spawner': ['server-start.c', 'rlimits.c'],
  'hearth-cgexec': ['rlimits.c'],
  'hearth-acceptor': ['server-start.c'],
};

const filesIn = (dir, ext) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(ext)).sort().map((f) => join(dir, f)) : []);

/** The sources of one helper, and every file whose change means rebuilding it. */
function inputs(name) {
  const own = join(src, name.replace(/^hearth-/, ''));
  const common = join(src, 'common');
  const sources = [join(src, `${name}.c`), ...filesIn(own, '.c'), ...(COMMON[name] ?? []).map((f) => join(common, f))];
  const headers = [...filesIn(own, '.h'), ...((COMMON[name] ?? []).length ? filesIn(common, '.h') : [])];
  return { sources, all: [...sources, ...headers] };
}

function upToDate(target, files) {
  try {
    const built = statSync(target).mtimeMs;
    return files.every((f) => statSync(f).mtimeMs <= built);
  } catch {
    return false; // not built yet
  }
}

const failed = [];
for (const file of readdirSync(src).filter((f) => f.endsWith('.c')).sort()) {
  const name = file.slice(0, -2);
  const target = join(out, name);
  const { sources, all } = inputs(name);
  if (!values.force && upToDate(target, all)) continue;
  const args = ['-O2', '-Wall', '-Wextra', `-I${src}`, ...words('CPPFLAGS'), ...words('CFLAGS'), '-o', target, ...sources, ...words('LDFLAGS')];
  const r = spawnSync(cc, args, { stdio: 'inherit' });
  if (r.status !== 0) failed.push(`${file} (${r.error ? r.error.message : `exit ${r.status}`})`);
}
if (failed.length > 0) {
  console.warn(`hearth: could not build with "${cc}": ${failed.join(', ')}. hearth works without them; hearthd names at start what is missing and what that costs.`);
}
process.exit(failed.length > 0 && process.env.HEARTH_REQUIRE_NATIVE ? 1 : 0);
