/**
 * What every `hearth` command compiles before it runs: the CLI bundle and the
 * chunks it imports statically. One barrel import in a command module (a
 * command importing runlevels/index.js for one function) once made every
 * command compile the config loader, the systemd unit code and the TOML
 * parser: 631 KB of source, about 15 ms of each command's start. Heavy parts
 * belong behind import() in the command that needs them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { REPO } from './helpers/index.js';

const entry = join(REPO, 'dist', 'main', 'hearth.bundle.mjs');
const skip = existsSync(entry) ? false : 'no build here (npm run build)';

/** Source folders the CLI may load at start, and single files from elsewhere that it needs everywhere. */
const ALLOWED_DIRS = ['src/main/', 'src/cli/', 'src/client/', 'src/model/', 'src/errors/'];
const ALLOWED_FILES = new Set([
  'src/runlevels/chkconfig-args.ts', // chkconfig's usage errors, before asking hearthd
  'src/runlevels/levels.ts',
  'src/util/time-zone.ts', // local time for every timestamp printed
]);

/** The bundle files reached from `file` through static imports (import() is left out: it loads on use). */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*"(\.[^"]+)"|^import\s*"(\.[^"]+)"/gms)) {
    staticClosure(resolve(dirname(file), m[1] ?? m[2]!), seen);
  }
  return seen;
}

/** The source modules in a bundle file: esbuild heads each with a "// path" comment. */
function modulesIn(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^\/\/ ((?:src|node_modules)\/\S+)$/gm)].map((m) => m[1]!);
}

test('a hearth command loads only the CLI, the client and the model before it runs', { skip }, () => {
  const files = staticClosure(entry);
  const modules = [...files].flatMap(modulesIn);
  assert.ok(modules.includes('src/cli/run-cli.ts'), `the closure was not read: ${[...files].join(', ')}`);
  const strays = modules.filter((m) => !ALLOWED_FILES.has(m) && !ALLOWED_DIRS.some((d) => m.startsWith(d)));
  assert.deepEqual(strays, [], 'load these inside the command that needs them (import() in run())');
});
