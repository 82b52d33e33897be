import { closest } from '../model/index.js';
import type { CatalogEntry } from './entry.js';
import { DAEMONS } from './daemons.js';

let byName: Map<string, CatalogEntry> | undefined;

/** Name and alias → entry, built on first use so importing the catalog costs nothing. */
function index(): Map<string, CatalogEntry> {
  if (byName) return byName;
  byName = new Map();
  for (const entry of DAEMONS) {
    for (const key of [entry.name, ...entry.aliases]) {
      if (!byName.has(key.toLowerCase())) byName.set(key.toLowerCase(), entry);
    }
  }
  return byName;
}

/** The entry for a name or alias (case-insensitive; ".service" and "-udp"-less forms are not guessed). */
export function findDaemon(name: string): CatalogEntry | undefined {
  return index().get(name.toLowerCase());
}

export function allDaemons(): readonly CatalogEntry[] {
  return DAEMONS;
}

/** The nearest known name or alias, for "did you mean". */
export function suggestDaemon(name: string): string | undefined {
  return closest(name, index().keys());
}
