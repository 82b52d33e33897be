/**
 * insserv.conf as the planner wants it: each facility expanded to the names
 * that provide it ("+name" when optional), and the <interactive> names. Read
 * afresh for every boot and switch (a few small files), so an edit takes
 * effect without a reload, as it would with insserv.
 */
import { expandFacilities, loadInsservConf } from '../config/index.js';

export interface Facilities {
  facilities: Record<string, string[]>;
  interactive: Set<string>;
}

export function loadFacilities(configDir: string): Facilities {
  const conf = loadInsservConf(configDir);
  const { table } = expandFacilities(conf);
  const facilities: Record<string, string[]> = {};
  for (const [name, members] of Object.entries(table)) facilities[name] = members.map((m) => `${m.optional ? '+' : ''}${m.name}`);
  return { facilities, interactive: new Set(conf.interactive) };
}
