import { fileURLToPath } from 'node:url';

/**
 * Where `npm run build` puts the page (dist/gui/). This file sits one level
 * below src/, as the bundles sit one level below dist/, so the same relative
 * URL is right from the sources, from tsc's output and from the bundle.
 */
export function guiDir(): string {
  return fileURLToPath(new URL('../../dist/gui/', import.meta.url));
}
