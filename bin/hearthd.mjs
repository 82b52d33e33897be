#!/usr/bin/env node
// Runs the built daemon (dist/, made by `npm install`/`npm run build`); in a
// source tree without a build it runs the TypeScript directly through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundled = fileURLToPath(new URL('../dist/main/hearthd.bundle.mjs', import.meta.url));
const built = fileURLToPath(new URL('../dist/main/hearthd.js', import.meta.url));
if (existsSync(bundled) && !process.env.HEARTH_FROM_SOURCE) {
  await import(bundled);
} else if (existsSync(built) && !process.env.HEARTH_FROM_SOURCE) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/main/hearthd.ts', import.meta.url).href);
}
