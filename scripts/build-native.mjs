#!/usr/bin/env node
// Builds the small C helpers in native/ at install time. A machine without a C
// compiler still gets a working hearth; only the features that need a helper
// (sd_notify readiness, the syslog socket) report that it is missing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'native');
const out = join(src, 'build');
mkdirSync(out, { recursive: true });
const cc = process.env.CC ?? 'cc';
let failed = false;
for (const file of readdirSync(src).filter((f) => f.endsWith('.c'))) {
  const target = join(out, file.slice(0, -2));
  try {
    if (statSync(target).mtimeMs >= statSync(join(src, file)).mtimeMs) continue;
  } catch {
    // not built yet
  }
  const r = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-o', target, join(src, file)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed = true;
    console.warn(`hearth: could not build native/${file} with "${cc}" (${r.error?.message ?? `exit ${r.status}`}); features that need it will say so`);
  }
}
process.exit(failed && process.env.HEARTH_REQUIRE_NATIVE ? 1 : 0);
