/**
 * Writes the man pages: `node --import tsx man/build.ts [OUT_DIR]` (default
 * dist/man). The date is SOURCE_DATE_EPOCH's when set, so a package build
 * gives the same bytes every time.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MAN_PAGES, REPO_ROOT } from './pages.js';

export function manMeta(env: NodeJS.ProcessEnv = process.env): { version: string; date: string } {
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const epoch = env.SOURCE_DATE_EPOCH;
  const when = epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
  return { version, date: when.toISOString().slice(0, 10) };
}

export function buildManPages(outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const meta = manMeta();
  return MAN_PAGES.map((page) => {
    const path = join(outDir, page.file);
    writeFileSync(path, page.render(meta));
    return path;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildManPages(resolve(process.argv[2] ?? join(REPO_ROOT, 'dist', 'man')));
}
