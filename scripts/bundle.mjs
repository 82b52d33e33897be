#!/usr/bin/env node
// Bundles each entry point into one file next to tsc's output (dist/main/), so
// `hearth` and `hearthd` load one module instead of dozens: the CLI answers
// sooner and the daemon starts sooner. Paths computed from import.meta.url stay
// right because dist/main/ is as deep below the root as every src/ folder.
//
// usage: bundle.mjs [--out ROOT] [--no-sourcemap]   (ROOT/dist/main, ROOT/dist/gui; default: the repo)
// The Debian package bundles into its staging tree with --out, never touching dist/.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Writes OUT/dist/main (the CLI and daemon bundles) and OUT/dist/gui (the web
 * page). Returns the npm packages that went into the bundles, for licence notices.
 */
export async function bundle({ outRoot = root, sourcemap = true } = {}) {
  const out = join(outRoot, 'dist', 'main');
  mkdirSync(out, { recursive: true });
  // Chunk names carry content hashes: drop the previous build's before writing new ones.
  for (const f of readdirSync(out, { withFileTypes: true })) {
    if (f.isFile() && f.name.startsWith('chunk-')) rmSync(join(out, f.name));
  }
  const server = await build({
    absWorkingDir: root,
    entryPoints: ['src/main/hearth.ts', 'src/main/hearthd.ts'],
    outdir: out,
    entryNames: '[name].bundle',
    // Code reached only through import() (a command's heavy parts) becomes its own
    // chunk, loaded when that command runs: `hearth list` does not compile
    // chkconfig or analyze. Chunks stay in dist/main/, at the same depth.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // ASCII code (other characters as \u escapes); comments are escaped below.
    charset: 'ascii',
    sourcemap,
    metafile: true,
    logLevel: 'warning',
    // Some dependencies are CommonJS and call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __hearthRequire } from 'node:module'; const require = __hearthRequire(import.meta.url);" },
  });

  for (const file of Object.keys(server.metafile.outputs)) if (file.endsWith('.mjs')) escapeComments(join(root, file));

  // The web GUI: one small script for the browser (Preact), its stylesheet and page.
  const gui = join(outRoot, 'dist', 'gui');
  rmSync(gui, { recursive: true, force: true });
  mkdirSync(gui, { recursive: true });
  const page = await build({
    absWorkingDir: root,
    entryPoints: ['src/web/app/main.tsx'],
    outfile: join(gui, 'app.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap,
    metafile: true,
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'app.css']) copyFileSync(join(root, 'src', 'web', 'app', file), join(gui, file));

  const packages = new Set();
  for (const input of [...Object.keys(server.metafile.inputs), ...Object.keys(page.metafile.inputs)]) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) packages.add(m[1]);
  }
  return [...packages].sort();
}

/**
 * V8 keeps each module's source text in the heap, and a single character
 * outside Latin-1 makes it a two-byte string: a "→" in one comment doubled the
 * 700 KiB every hearthd spent on its own source. esbuild escapes code (charset
 * ascii) but copies comments as written; they get the same escapes here. Only
 * comment text can still hold such a character, so nothing that runs changes.
 */
function escapeComments(path) {
  const text = readFileSync(path, 'utf8');
  const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (ascii !== text) writeFileSync(path, ascii);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, 'no-sourcemap': { type: 'boolean', default: false } } });
  await bundle({ outRoot: values.out ? resolve(values.out) : root, sourcemap: !values['no-sourcemap'] });
}
