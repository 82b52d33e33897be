/**
 * Single-host hearthd must not pay for the fleet: src/fleet, hearthd's fleet
 * link (src/daemon/fleet-*) and the verbs of `hearth fleet` may only be
 * reached from the entries through import(). Bundled the way
 * scripts/bundle.mjs bundles it, no chunk that hearthd loads at start (its
 * entry and the chunks it imports statically) may contain a src/fleet module.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, type Metafile } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './helpers/index.js';

/** Every output file loaded when entry is loaded, following static imports only. */
function loadedAtStart(meta: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (out: string) => {
    if (seen.has(out)) return;
    seen.add(out);
    for (const imp of meta.outputs[out]?.imports ?? []) if (imp.kind === 'import-statement' && !imp.external) visit(imp.path);
  };
  visit(entry);
  return seen;
}

test('hearthd and hearth load no src/fleet module at start', async () => {
  const outdir = mkdtempSync(join(tmpdir(), 'hearth-fleet-lazy-'));
  try {
    const result = await build({
      absWorkingDir: REPO,
      entryPoints: ['src/main/hearthd.ts', 'src/main/hearth.ts'],
      outdir,
      entryNames: '[name]',
      splitting: true,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      metafile: true,
      write: false,
      logLevel: 'silent',
    });
    const meta = result.metafile!;
    for (const name of ['hearthd', 'hearth']) {
      const entry = Object.keys(meta.outputs).find((o) => o.endsWith(`/${name}.js`))!;
      assert.ok(entry, `no output for ${name}`);
      // The fleet library, and hearthd's and the CLI's own fleet parts (src/daemon/fleet-*, the fleet commands).
      const isFleet = (i: string) => i.startsWith('src/fleet/') || i.startsWith('src/daemon/fleet-') || i.startsWith('src/cli/commands/fleet/') && !i.endsWith('/fleet.ts');
      const fleetAtStart = [...loadedAtStart(meta, entry)].flatMap((out) => Object.keys(meta.outputs[out]!.inputs).filter(isFleet));
      assert.deepEqual(fleetAtStart, [], `${name} loads fleet code at start: use import('../fleet/index.js') when [fleet] is set`);
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
