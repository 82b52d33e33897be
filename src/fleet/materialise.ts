/**
 * Puts the host's assigned set on disk where hearthd's loaders read it:
 *
 *   STATE_DIR/fleet/current -> sets/<stamp>-<hash>     (symlink, swapped atomically)
 *   STATE_DIR/fleet/sets/<stamp>-<hash>/services/*.toml, xinetd.d/*, init.d/*, inetd.conf, fleet.toml
 *   STATE_DIR/fleet/sets/<stamp>-<hash>/.fleet-set.json (what the set is: hash, revision, bundles, units)
 *
 * A set is written whole in a temp folder, synced, renamed, and only then made
 * current by renaming a new symlink over the old: a reader sees the old set or
 * the new one, never a mix. The previous set is kept, so a loader that resolved
 * `current` a moment before the swap still reads a complete set. The set on
 * disk is also what a host runs after a restart while etcd is away (fail-static).
 */
import { mkdir, open, readFile, readdir, readlink, realpath, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pathProblem } from './bundle.js';
import type { AssignedSet } from './assignment.js';

export const SET_META = '.fleet-set.json';
let seq = 0;

export interface MaterialisedSet {
  /** The real path of the set's folder: load from here, not through `current`. */
  dir: string;
  hash: string;
  revision: number;
  bundles: Record<string, number>;
  units: string[];
}

/** The fleet folder under a state dir. */
export const fleetRoot = (stateDir: string): string => join(stateDir, 'fleet');

/** The set `current` points to, or undefined when there is none (or it is damaged). */
export async function readCurrentSet(root: string): Promise<MaterialisedSet | undefined> {
  try {
    const dir = await realpath(join(root, 'current'));
    const meta = JSON.parse(await readFile(join(dir, SET_META), 'utf8')) as Omit<MaterialisedSet, 'dir'>;
    if (typeof meta.hash !== 'string' || !Array.isArray(meta.units)) return undefined;
    return { dir, hash: meta.hash, revision: Number(meta.revision ?? 0), bundles: meta.bundles ?? {}, units: meta.units };
  } catch {
    return undefined;
  }
}

/** Writes the set and makes it current; returns what is current afterwards. */
export async function materialise(root: string, set: AssignedSet, revision: number): Promise<MaterialisedSet> {
  const sets = join(root, 'sets');
  await mkdir(sets, { recursive: true, mode: 0o755 });
  // Fixed-width stamps sort in time order; the counter separates sets made in the same millisecond.
  const name = `${String(Date.now()).padStart(15, '0')}${String(seq++ % 1000).padStart(3, '0')}-${set.hash}`;
  const tmp = join(sets, `.tmp-${name}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { mode: 0o755 });
  for (const [rel, text] of Object.entries(set.files)) {
    // etcd's contents are checked again here: no path may leave the set's folder.
    if (pathProblem(rel)) continue;
    await mkdir(join(tmp, rel, '..'), { recursive: true, mode: 0o755 });
    await writeSynced(join(tmp, rel), text, rel.startsWith('init.d/') ? 0o755 : 0o644);
  }
  const meta = { hash: set.hash, revision, bundles: set.bundles, units: set.units };
  await writeSynced(join(tmp, SET_META), JSON.stringify(meta) + '\n', 0o644);
  const final = join(sets, name);
  await rename(tmp, final);
  const link = join(root, 'current');
  const tmpLink = join(root, `.current-${process.pid}`);
  await rm(tmpLink, { force: true });
  await symlink(join('sets', name), tmpLink);
  await rename(tmpLink, link);
  await syncDir(root);
  await pruneSets(root, name);
  return { dir: final, ...meta };
}

/** Keeps the current set and the one before it; removes older ones and leftovers of a crash. */
async function pruneSets(root: string, current: string): Promise<void> {
  const sets = join(root, 'sets');
  const entries = (await readdir(sets)).filter((e) => e !== current);
  const previous = entries.filter((e) => !e.startsWith('.')).sort().pop();
  for (const e of entries) if (e !== previous) await rm(join(sets, e), { recursive: true, force: true });
}

async function writeSynced(path: string, text: string, mode: number): Promise<void> {
  const fh = await open(path, 'w', mode);
  try {
    await fh.writeFile(text);
    await fh.chmod(mode);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Where `current` points, for tests and doctor. */
export async function currentTarget(root: string): Promise<string | undefined> {
  return readlink(join(root, 'current')).catch(() => undefined);
}
