import { compareNames } from '../model/index.js';
import type { CatalogEntry } from './entry.js';
import { CLASSIC } from './data/classic.js';
import { MODERN } from './data/modern.js';

/** Every known daemon, sorted by name. Descriptions are written for this project. */
export const DAEMONS: readonly CatalogEntry[] = [...CLASSIC, ...MODERN].sort((a, b) => compareNames(a.name, b.name));
