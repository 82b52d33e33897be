#!/usr/bin/env node
// Bundles each entry point into one file next to tsc's output (dist/main/), so
// `hearth` and `hearthd` load one module instead of dozens: the CLI answers
// sooner and the daemon starts sooner. Paths computed from import.meta.url stay
// right because dist/main/ is as deep below the root as every src/ folder.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
for (const name of ['hearth', 'hearthd']) {
  await build({
    absWorkingDir: root,
    entryPoints: [`src/main/${name}.ts`],
    outfile: `dist/main/${name}.bundle.mjs`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    // Some dependencies are CommonJS and call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __hearthRequire } from 'node:module'; const require = __hearthRequire(import.meta.url);" },
  });
}
