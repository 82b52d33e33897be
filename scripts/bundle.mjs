#!/usr/bin/env node
// Bundles each entry point into one file next to tsc's output (dist/main/), so
// `hearth` and `hearthd` load one module instead of dozens: the CLI answers
// sooner and the daemon starts sooner. Paths computed from import.meta.url stay
// right because dist/main/ is as deep below the root as every src/ folder.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'main');
// Chunk names carry content hashes: drop the previous build's before writing new ones.
for (const f of readdirSync(out, { withFileTypes: true })) {
  if (f.isFile() && f.name.startsWith('chunk-')) rmSync(join(out, f.name));
}
await build({
  absWorkingDir: root,
  entryPoints: ['src/main/hearth.ts', 'src/main/hearthd.ts'],
  outdir: 'dist/main',
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
  sourcemap: true,
  logLevel: 'warning',
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __hearthRequire } from 'node:module'; const require = __hearthRequire(import.meta.url);" },
});

// The web GUI: one small script for the browser (Preact), its stylesheet and page.
const gui = join(root, 'dist', 'gui');
rmSync(gui, { recursive: true, force: true });
mkdirSync(gui, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/web/app/main.tsx'],
  outfile: 'dist/gui/app.js',
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
for (const file of ['index.html', 'app.css']) copyFileSync(join(root, 'src', 'web', 'app', file), join(gui, file));
