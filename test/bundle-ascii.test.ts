/**
 * The bundles hearth runs from are pure ASCII: V8 keeps each module's source
 * text in the heap, and one character outside Latin-1 anywhere in a bundle
 * (a comment's "→" was enough) stores all of it as two bytes per character,
 * about 785 KiB more in every hearthd. The escapes must not change what users
 * read: text with such characters still prints as written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO } from './helpers/index.js';

const dist = join(REPO, 'dist', 'main');
const skip = existsSync(join(dist, 'hearthd.bundle.mjs')) ? false : 'no build here (npm run build)';

test('every bundle in dist/main is ASCII', { skip }, () => {
  const files = readdirSync(dist).filter((f) => f.endsWith('.mjs'));
  assert.ok(files.length > 2);
  for (const f of files) {
    const bytes = readFileSync(join(dist, f));
    const at = bytes.findIndex((b) => b > 0x7f);
    assert.equal(at, -1, `${f} has a non-ASCII byte at ${at}: ${bytes.subarray(Math.max(0, at - 40), at + 10).toString('utf8')}`);
  }
});

test('text outside ASCII still reaches the user as written', { skip }, () => {
  const r = spawnSync(join(REPO, 'bin', 'hearth'), ['--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\[ARGS…\]/);
});
