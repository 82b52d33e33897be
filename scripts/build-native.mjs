#!/usr/bin/env node
// Builds the small C helpers in native/: at `npm install` of the package (its
// "install" script), in `npm run build`, and for the Debian package (with
// --out and the distribution's hardening flags in CFLAGS/LDFLAGS). A machine
// without a C compiler still gets a working hearth: hearthd says at start
// which helpers are missing, what that costs, and how to get them.
//
// usage: build-native.mjs [--out DIR] [--force]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
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
const failed = [];
// Headers in native/*/ (a long helper's parts) are included by its .c file: a change to one rebuilds.
const newestHeader = Math.max(0, ...readdirSync(src, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'build')
  .flatMap((d) => readdirSync(join(src, d.name)).filter((f) => f.endsWith('.h')).map((f) => statSync(join(src, d.name, f)).mtimeMs)));
for (const file of readdirSync(src).filter((f) => f.endsWith('.c')).sort()) {
  const target = join(out, file.slice(0, -2));
  try {
    if (!values.force && statSync(target).mtimeMs >= Math.max(statSync(join(src, file)).mtimeMs, newestHeader)) continue;
  } catch {
    // not built yet
  }
  const args = ['-O2', '-Wall', '-Wextra', ...words('CPPFLAGS'), ...words('CFLAGS'), '-o', target, join(src, file), ...words('LDFLAGS')];
  const r = spawnSync(cc, args, { stdio: 'inherit' });
  if (r.status !== 0) failed.push(`${file} (${r.error ? r.error.message : `exit ${r.status}`})`);
}
if (failed.length > 0) {
  console.warn(`hearth: could not build with "${cc}": ${failed.join(', ')}. hearth works without them; hearthd names at start what is missing and what that costs.`);
}
process.exit(failed.length > 0 && process.env.HEARTH_REQUIRE_NATIVE ? 1 : 0);
