/**
 * A config assembled from the config dir and lower sources: folders laid out
 * like a config dir (today only the fleet's set, STATE_DIR/fleet/current)
 * whose units fill in names the config dir does not define.
 *
 * The config dir always wins: a lower unit whose name the dir defines, in any
 * format, is dropped and reported (a warning here; the fleet agent reports it
 * to the fleet). A lower source's fleet.toml sets the runlevel (unless
 * hearth.toml does) and the default levels of the source's own units. Lower
 * sources can never make the main config fail: their problems are warnings
 * and broken units, never errors that would stop a reload.
 */
import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { HearthError } from '../errors/index.js';
import { SUPER_SERVER_NAME, compareNames } from '../model/index.js';
import { loadConfigDir, type LoadedConfig, type LoadOptions, type SourceReport } from './config-dir.js';
import { unitNames } from './check-report.js';
import { parseFleetToml } from './fleet-toml.js';
import { dedupeInetd } from './xinetd-conf.js';

export interface LowerSource {
  /** The folder as users should see it in messages (a stable path such as STATE_DIR/fleet/current). */
  dir: string;
  /** What the source is called in messages: "fleet". */
  name: string;
}

/** How often a source that is swapped while it is read is read again before giving up. */
const STABLE_READS = 5;

/** Loads the config dir, then merges each lower source under it, in order (earlier sources win over later ones). */
export async function loadConfigSources(dir: string, options: LoadOptions & { lower?: readonly LowerSource[] } = {}): Promise<LoadedConfig> {
  // The cache of parsed files serves the config dir only: a lower source is swapped whole, and its units are copied anyway (relocate).
  const { lower = [], serviceFiles, ...loadOptions } = options;
  const config = await loadConfigDir(dir, { ...loadOptions, ...(serviceFiles ? { serviceFiles } : {}) });
  for (const source of lower) {
    const read = await readStable(source, (d) => loadConfigDir(d, { ...loadOptions, settings: config.settings })).catch((e: unknown) => {
      // An unreadable source is a warning: it must never stop the config dir from loading.
      config.warnings.push(e instanceof HearthError ? e : new HearthError('ERR_CONFIG_IO', String(e), { file: source.dir }));
      return undefined;
    });
    if (!read) {
      // No set yet (a host that never reached the fleet): nothing to add, nothing to warn about.
      (config.sources ??= []).push({ name: source.name, dir: source.dir, units: [], shadowed: [] });
      continue;
    }
    mergeLowerSource(config, read.config, read.fleetToml, source);
    config.sources!.at(-1)!.realDir = read.realDir;
  }
  return config;
}

/**
 * A source reached through a symlink that is swapped whole (the fleet's
 * `current`): read through the real folder, and again when the link moved
 * meanwhile, so a load never mixes two sets.
 */
async function readStable(source: LowerSource, load: (dir: string) => Promise<LoadedConfig>): Promise<{ config: LoadedConfig; fleetToml: string | undefined; realDir: string } | undefined> {
  for (let attempt = 0; ; attempt++) {
    const before = await realpath(source.dir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw new HearthError('ERR_CONFIG_IO', `cannot read the ${source.name} config "${source.dir}": ${e.message}`, { file: source.dir });
    });
    if (before === undefined) return undefined;
    const config = await load(before);
    const fleetToml = await readFile(join(before, 'fleet.toml'), 'utf8').catch(() => undefined);
    if ((await realpath(source.dir).catch(() => undefined)) === before || attempt >= STABLE_READS) {
      config.configDir = source.dir;
      return { config: relocate(config, before, source.dir), fleetToml, realDir: before };
    }
  }
}

/** Paths inside the real folder become paths under the stable name, so a new set is not "changed" by its folder name. */
function relocate(config: LoadedConfig, real: string, shown: string): LoadedConfig {
  const fix = (file: string) => (file.startsWith(`${real}/`) ? join(shown, file.slice(real.length + 1)) : isAbsolute(file) ? file : join(shown, file));
  const origin = <T extends { origin: { file: string } }>(d: T): T => ({ ...d, origin: { ...d.origin, file: fix(d.origin.file) } });
  const error = (e: HearthError) => (e.file === undefined ? e : renamed(e, fix(e.file)));
  return {
    ...config,
    services: new Map([...config.services].map(([n, d]) => [n, origin(d)])),
    timers: new Map([...config.timers].map(([n, d]) => [n, origin(d)])),
    broken: config.broken.map((b) => ({ ...b, file: fix(b.file), errors: b.errors.map(error) })),
    warnings: config.warnings.map(error),
    errors: config.errors.map(error),
    inetd: { ...config.inetd, services: config.inetd.services.map(origin), errors: config.inetd.errors.map(error), warnings: config.inetd.warnings.map(error), files: config.inetd.files.map(fix) },
    sysv: { scripts: config.sysv.scripts.map((s) => ({ ...s, file: fix(s.file) })), errors: config.sysv.errors.map(error) },
  };
}

function renamed(e: HearthError, file: string): HearthError {
  return new HearthError(e.code, e.message, { file, cause: e, ...(e.line ? { line: e.line } : {}), ...(e.key ? { key: e.key } : {}), ...(e.hint ? { hint: e.hint } : {}) });
}

/** Adds the lower config's units whose names the config does not define; the rest are reported as shadowed. */
export function mergeLowerSource(config: LoadedConfig, lower: LoadedConfig, fleetToml: string | undefined, source: LowerSource): void {
  const local = new Set(unitNames(config));
  // Both sources' inetd-style services run in the one super-server: its name is no conflict.
  local.delete(SUPER_SERVER_NAME);
  const shadowed = new Set<string>();
  const kept = new Set<string>();
  const take = (name: string, file: string): boolean => {
    if (!local.has(name)) return kept.add(name), true;
    if (!shadowed.has(name)) {
      shadowed.add(name);
      config.warnings.push(new HearthError('ERR_CONFIG_VALUE', `${source.name} unit "${name}" is not used: a local unit of that name wins`, { file }));
    }
    return false;
  };
  for (const [name, d] of lower.services) if (take(name, d.origin.file)) config.services.set(name, d);
  for (const [name, d] of lower.timers) if (take(name, d.origin.file)) config.timers.set(name, d);
  for (const b of lower.broken) if (take(b.name, b.file)) config.broken.push(b);
  const inetd = lower.inetd.services.filter((d) => take(d.id, d.origin.file));
  config.inetd.services = dedupeInetd([...config.inetd.services, ...inetd], config.inetd.errors);
  config.inetd.warnings.push(...lower.inetd.warnings);
  config.inetd.errors.push(...lower.inetd.errors);
  config.inetd.files.push(...lower.inetd.files);
  config.hasInetdSources ||= lower.hasInetdSources;
  config.sysv.scripts.push(...lower.sysv.scripts.filter((s) => take(s.name, s.file)));
  config.sysv.errors.push(...lower.sysv.errors);
  // A source cannot break the main config: what would be an error there is a warning here.
  config.warnings.push(...lower.errors, ...lower.warnings);
  if (fleetToml !== undefined) applyFleetToml(config, fleetToml, join(source.dir, 'fleet.toml'), kept, local);
  config.broken.sort((a, b) => compareNames(a.name, b.name));
  config.services = new Map([...config.services.entries()].sort(([a], [b]) => compareNames(a, b)));
  (config.sources ??= []).push({ name: source.name, dir: source.dir, units: [...kept].sort(compareNames), shadowed: [...shadowed].sort(compareNames) } satisfies SourceReport);
}

/**
 * fleet.toml's runlevel is the default runlevel unless hearth.toml names one;
 * [enable] sets the default levels of the source's own units (an operator's
 * `hearth enable/disable` still wins, as over a unit file's levels).
 */
function applyFleetToml(config: LoadedConfig, text: string, file: string, kept: ReadonlySet<string>, local: ReadonlySet<string>): void {
  const parsed = parseFleetToml(file, text);
  config.warnings.push(...parsed.errors);
  if (parsed.runlevel !== undefined) {
    if (!config.settings.runlevelSet) config.settings.runlevel = parsed.runlevel;
    else if (parsed.runlevel !== config.settings.runlevel) {
      config.warnings.push(new HearthError('ERR_CONFIG_VALUE', `runlevel ${parsed.runlevel} is not used: hearth.toml sets runlevel ${config.settings.runlevel}, and the local setting wins`, { file, key: 'runlevel' }));
    }
  }
  for (const [unit, levels] of Object.entries(parsed.enable)) {
    if (local.has(unit)) {
      config.warnings.push(new HearthError('ERR_CONFIG_VALUE', `enable.${unit} is not applied: "${unit}" is a local unit, and the local unit wins`, { file, key: `enable.${unit}` }));
      continue;
    }
    if (!kept.has(unit)) continue;
    for (const map of [config.services, config.timers]) {
      const d = map.get(unit);
      if (d) map.set(unit, { ...d, runlevels: levels });
    }
    config.sysv.scripts = config.sysv.scripts.map((s) => (s.name === unit ? { ...s, defaultLevels: levels } : s));
    // inetd-style services have no levels: on in some level is on.
    config.inetd.services = config.inetd.services.map((d) => (d.id === unit ? { ...d, disabled: levels.length === 0 } : d));
  }
}
