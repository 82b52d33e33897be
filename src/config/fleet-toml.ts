/**
 * fleet.toml: the runlevel and per-unit enablement a fleet bundle sets on the
 * hosts it reaches. Read here, beside the other config files, because hearthd
 * applies it when it loads the fleet's set as a config source; the fleet
 * library reads it with the same function when it checks and merges bundles.
 */
import { parse as parseToml } from 'smol-toml';
import { HearthError } from '../errors/index.js';
import { isValidServiceName } from '../model/index.js';
import { findKeyLines } from './key-lines.js';

export interface FleetToml {
  runlevel?: number;
  /** Unit → start levels; [] means disabled at every level. */
  enable: Record<string, number[]>;
  errors: HearthError[];
}

/** fleet.toml: the runlevel and per-unit enablement the fleet sets on its hosts. */
export function parseFleetToml(file: string, text: string): FleetToml {
  const out: FleetToml = { enable: {}, errors: [] };
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    out.errors.push(new HearthError('ERR_CONFIG_SYNTAX', `${file} is not valid TOML: ${(e as Error).message.split('\n')[0]}`, { file }));
    return out;
  }
  const lines = findKeyLines(text);
  const err = (path: string[], message: string) => {
    const line = lines.lineOf(path);
    out.errors.push(new HearthError('ERR_CONFIG_VALUE', message, { file, key: path.join('.'), ...(line ? { line } : {}) }));
  };
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'runlevel') {
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 6) out.runlevel = value;
      else err([key], `"runlevel" must be an integer between 0 and 6, got ${JSON.stringify(value)}`);
    } else if (key === 'enable' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [unit, levels] of Object.entries(value as Record<string, unknown>)) {
        const ok = Array.isArray(levels) && levels.every((l) => Number.isInteger(l) && l >= 0 && l <= 6);
        if (!isValidServiceName(unit)) err([key, unit], `"${unit}" is not a valid unit name`);
        else if (!ok) err([key, unit], `"enable.${unit}" must be a list of runlevels 0-6 such as [2, 3, 4, 5], or [] for off`);
        else out.enable[unit] = [...new Set(levels as number[])].sort();
      }
    } else err([key], `unknown key ${JSON.stringify(key)} in fleet.toml (it holds "runlevel" and [enable])`);
  }
  return out;
}
