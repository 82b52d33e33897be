/**
 * Loads a whole config dir into one model. A broken file is set aside with
 * its errors and never keeps the others from loading.
 */
import { lstatSync, statSync, type Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HearthError } from '../errors/index.js';
import { compareFileNames, type LimitSupport, type ServiceDefinition } from '../model/index.js';
import { limitSupport, locateCgroups } from '../boundary/index.js';
import { lookupUser } from '../process/index.js';
import { parseCrontab, type CrontabJob } from '../schedule/index.js';
import { parseServiceFile, type ParseDefaults, type ServiceFileResult } from './service-file.js';
import { DEFAULT_SETTINGS, loadDaemonSettings, type DaemonSettings } from './daemon-settings.js';
import { loadInetdSources } from './inetd-sources.js';
import type { InetdLoadResult } from './xinetd-conf.js';
import { loadSysvScripts, type SysvLoadResult } from './sysv-script.js';
import { loadInsservConf, type InsservConf } from './insserv-conf.js';
import type { SystemdConfig } from './systemd-units.js';
import { systemdLinkDir, systemdSearchPath, unitDirsHoldAnything, type SystemdDirs } from './systemd-dirs.js';
import type { ServiceFileCache, ServiceFileLoad } from './service-file-cache.js';
import { readRegularFile } from './regular-file.js';

/**
 * Service files read per turn of the event loop. A synchronous read of a small file costs
 * a fraction of an asynchronous one (a FileHandle, an fstat and several promise hops:
 * 0.2 ms a file in a --cpu-prof of a 1,000-service boot), but 10,000 in a row would hold
 * hearthd for a quarter of a second; one at a time, they never hold more than a descriptor.
 */
const READS_PER_TURN = 200;

export interface BrokenService {
  name: string;
  file: string;
  errors: readonly HearthError[];
}

export interface InetdTomlService {
  name: string;
  file: string;
  raw: Record<string, unknown>;
  lineOf(key: string): number | undefined;
}

export interface LoadedConfig {
  configDir: string;
  settings: DaemonSettings;
  services: Map<string, ServiceDefinition>;
  /** Native service files with a schedule: run by the timer host, not kept running. */
  timers: Map<string, ServiceDefinition>;
  /** Jobs from CONFIG_DIR/crontab, cron.d/* and crontabs/USER, and the lines that could not be read. */
  cron: { jobs: CrontabJob[]; errors: HearthError[] };
  broken: BrokenService[];
  /** hearth.toml problems: with these, a reload changes nothing. */
  errors: HearthError[];
  warnings: HearthError[];
  /** services/*.toml with type = "inetd", for the super-server's loader. */
  inetdToml: InetdTomlService[];
  /** Every inetd-style service: xinetd.conf, xinetd.d/, inetd.conf and the TOML ones. */
  inetd: InetdLoadResult;
  /** Whether any inetd source exists, so the super-server shows up as a service. */
  hasInetdSources: boolean;
  /** init.d/ scripts, and the ones that could not be read. */
  sysv: SysvLoadResult;
  /** insserv.conf and insserv.conf.d/ (Debian's defaults when absent): the LSB facilities. */
  insserv: InsservConf;
  /** systemd units from CONFIG_DIR/systemd and [systemd] unit_paths; absent when those hold nothing (see emptySystemdDirs) or could not be read. */
  systemd?: SystemdConfig;
  /** The unit directories, when they are missing or empty: no unit was loaded (nor the code that reads units), but enable and mask still know where links go. */
  emptySystemdDirs?: SystemdDirs;
  /** Lower sources merged in (the fleet's set): which units each gave, and which lost to a local unit. */
  sources?: SourceReport[];
}

/** What one lower source added to a config (see config-sources.ts). */
export interface SourceReport {
  name: string;
  dir: string;
  /** The folder actually read, when dir is a symlink (which fleet set was loaded). */
  realDir?: string;
  units: string[];
  /** Units of the source not used because the config dir defines the name. */
  shadowed: string[];
}

/**
 * Files that are not service definitions: editor backups, package manager
 * leftovers, hidden files — the same kinds run-parts and xinetd's includedir skip.
 */
export function isIgnoredConfigFile(name: string): boolean {
  // A service file can only be hidden or a '#' leftover: the suffixes below are not ".toml".
  // (Asked of every file on every reload; the patterns cost a big fleet's reload most of a megabyte.)
  if (name.endsWith('.toml')) return name.startsWith('.') || name.startsWith('#');
  return (
    name.startsWith('.') ||
    name.endsWith('~') ||
    /\.(swp|swo|bak|orig|rej|tmp|rpmsave|rpmorig|rpmnew|ucf-old|ucf-new|ucf-dist)$/.test(name) ||
    /\.dpkg-[a-z]+$/.test(name) ||
    name.startsWith('#')
  );
}

/** What a service file's name ends with; the rest is the service's name. */
const SERVICE_FILE_SUFFIX = '.toml';

/** Files stat(2)ed per turn of the event loop: a synchronous stat is a fraction of an asynchronous one's cost, but 10,000 in a row would hold hearthd for tens of milliseconds. */
const STATS_PER_TURN = 500;

/**
 * services/*.toml into `config`, in the order units are listed. With a cache,
 * a file the cache's watch saw no change of takes its last parse as it is;
 * any other file is stat(2)ed first, and one unchanged since the last load
 * takes its last parse without a read; the others are read, 32 at a time, and
 * parsed. When the watch names every file that may have changed since the
 * last load, only those are looked at: the others keep that load's results
 * without even a look-up. A reload of a big fleet thus allocates little per
 * unchanged file, nothing that outlives the load.
 */
async function loadServiceFiles(
  servicesDir: string,
  /** The dir's entries, for the next load to start from; undefined when they could not be listed. */
  entries: readonly string[] | undefined,
  listing: string[],
  config: LoadedConfig,
  defaults: ParseDefaults,
  cache: ServiceFileLoad | undefined,
): Promise<void> {
  // In unit order: sorted by the names the files give, without making those names.
  const byName = (a: string, b: string) => compareFileNames(a, b, SERVICE_FILE_SUFFIX);
  const files = cache ? cache.unitOrder(listing, byName) : listing.sort(byName);
  const nameOf = (file: string) => file.slice(0, -SERVICE_FILE_SUFFIX.length);
  const carried = cache?.carried(files);
  // Starting from the last load: only the files that may have changed since are looked at.
  const results = carried ? carried.results.slice() : new Array<ServiceFileResult>(files.length);
  const toLook = carried ? indicesOf(files, carried.lookAgain) : undefined;
  const toRead: Array<{ index: number; stats?: Stats; regular: boolean }> = [];
  for (let k = 0; k < (toLook ?? files).length; k++) {
    const i = toLook ? toLook[k]! : k;
    if (!cache) {
      toRead.push({ index: i, regular: false });
      continue;
    }
    const file = files[i]!;
    const watched = cache.watched(file);
    if (watched) {
      results[i] = watched;
      continue;
    }
    if (k > 0 && k % STATS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    const path = `${servicesDir}/${file}`;
    let stats: Stats | undefined;
    let regular = false;
    try {
      // lstat first: the watch can vouch for a regular file, never for what a symlink points to.
      stats = lstatSync(path);
      regular = stats.isFile();
      if (stats.isSymbolicLink()) stats = statSync(path);
    } catch {
      // The read that follows reports why.
    }
    const unchanged = stats && cache.unchanged(file, stats, regular);
    if (unchanged) results[i] = unchanged;
    else toRead.push({ index: i, regular, ...(stats ? { stats } : {}) });
  }
  for (let k = 0; k < toRead.length; k++) {
    if (k > 0 && k % READS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    const { index, stats, regular } = toRead[k]!;
    const file = files[index]!;
    let text: string;
    try {
      text = readRegularFile(`${servicesDir}/${file}`);
    } catch (e) {
      results[index] = { errors: [new HearthError('ERR_CONFIG_IO', `cannot read: ${(e as Error).message}`, { file: `services/${file}` })], warnings: [] };
      continue;
    }
    const parse = () => parseServiceFile(nameOf(file), `services/${file}`, text, defaults);
    results[index] = stats && cache ? cache.parsed(file, stats, regular, text, parse) : parse();
  }
  cache?.end(entries ? { entries, files, results } : undefined);
  for (let i = 0; i < files.length; i++) {
    const result = results[i]!;
    const def = result.definition;
    if (result.warnings.length > 0) config.warnings.push(...result.warnings);
    // A definition's name is the one it was parsed with, kept by the cache: a reload makes no name per service.
    if (result.errors.length > 0) config.broken.push({ name: nameOf(files[i]!), file: `services/${files[i]!}`, errors: result.errors });
    else if (def?.timer) config.timers.set(def.name, def);
    else if (def) config.services.set(def.name, def);
    else if (result.inetd) config.inetdToml.push({ name: nameOf(files[i]!), file: `services/${files[i]!}`, ...result.inetd });
  }
}

/** Where each of `names` is in `files` (names not among them are left out). */
function indicesOf(files: readonly string[], names: ReadonlySet<string>): number[] {
  const found: number[] = [];
  for (const name of names) {
    const i = files.indexOf(name);
    if (i >= 0) found.push(i);
  }
  return found;
}

/** cron's getpwnam: a user of exactly this name (lookupUser would also take a uid). */
function userExists(name: string): boolean {
  try {
    return lookupUser(name).name === name;
  } catch {
    return false;
  }
}

/** crontab(5) files in the config dir, as cron reads them from /etc (crontab, cron.d/*) and its spool (crontabs/USER). */
async function loadCrontabs(dir: string): Promise<LoadedConfig['cron'] & { warnings: HearthError[] }> {
  const jobs: CrontabJob[] = [];
  const errors: HearthError[] = [];
  const warnings: HearthError[] = [];
  // One look-up per name and load: each may read /etc/passwd or run getent.
  const known = new Map<string, boolean>();
  const exists = (name: string) => known.get(name) ?? known.set(name, userExists(name)).get(name)!;
  const read = (file: string, owner?: string) => {
    let text: string;
    try {
      text = readRegularFile(join(dir, file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') errors.push(new HearthError('ERR_CONFIG_IO', `cannot read: ${(e as Error).message}`, { file }));
      return;
    }
    const r = parseCrontab(file, text, owner, { userExists: exists });
    jobs.push(...r.jobs);
    errors.push(...r.errors);
    warnings.push(...r.warnings);
  };
  const list = async (sub: string) => (await readdir(join(dir, sub)).catch(() => [] as string[])).filter((f) => !isIgnoredConfigFile(f) && !f.includes('.')).sort();
  read('crontab');
  for (const f of await list('cron.d')) read(`cron.d/${f}`);
  for (const user of await list('crontabs')) read(`crontabs/${user}`, user);
  return { jobs, errors, warnings };
}

export interface LoadOptions {
  /** What the host can enforce of memory_max and friends; by default, what this process finds. */
  limitSupport?: LimitSupport;
  /** Use these instead of DIR/hearth.toml: a lower source (the fleet's set) loads with the main dir's settings. */
  settings?: DaemonSettings;
  /** Service files parsed by the last load of this dir: only files changed since are read again (hearthd's reloads). */
  serviceFiles?: ServiceFileCache;
}

/**
 * Limits are refused at load time where the host cannot enforce them, so
 * `hearth check` says so before anything starts.
 */
function hostLimitSupport(settings: DaemonSettings): LimitSupport {
  if (settings.processes.tracking === 'process-group') return limitSupport({ v1: {} }, 'hearth.toml sets process_tracking to "process-group"; limits need cgroups');
  return limitSupport(locateCgroups());
}

export async function loadConfigDir(dir: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const config: LoadedConfig = {
    configDir: dir,
    settings: structuredClone(DEFAULT_SETTINGS),
    services: new Map(),
    timers: new Map(),
    cron: { jobs: [], errors: [] },
    broken: [],
    errors: [],
    warnings: [],
    inetdToml: [],
    inetd: { services: [], warnings: [], errors: [], files: [] },
    hasInetdSources: false,
    sysv: { scripts: [], errors: [] },
    insserv: loadInsservConf(dir),
  };
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
  } catch (e) {
    config.errors.push(new HearthError('ERR_CONFIG_IO', `cannot read config dir "${dir}": ${(e as Error).message}`));
    return config;
  }
  const settings = options.settings ? { settings: structuredClone(options.settings), errors: [] } : loadDaemonSettings(dir);
  config.settings = settings.settings;
  config.errors.push(...settings.errors);
  const support = options.limitSupport ?? hostLimitSupport(config.settings);

  const servicesDir = join(dir, 'services');
  const defaults: ParseDefaults = { log: config.settings.logs, limitSupport: support };
  const cache = await options.serviceFiles?.load(servicesDir, defaults);
  // A listing that failed is not kept: the next load must read the dir again (and say why it cannot).
  let listed = true;
  const readEntries = async () => {
    try {
      return await readdir(servicesDir);
    } catch (e) {
      listed = false;
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        config.errors.push(new HearthError('ERR_CONFIG_IO', `cannot read "${servicesDir}": ${(e as Error).message}`));
      }
      return [];
    }
  };
  const entries = cache ? await cache.entries(readEntries) : await readEntries();
  // The files are loaded in unit order (loadServiceFiles), the strays are named in file name order.
  const files: string[] = [];
  const strays: string[] = [];
  // Indexed: a for-of over 10,000 names makes an iterator result per name.
  for (let i = 0; i < entries.length; i++) {
    const f = entries[i]!;
    if (!isIgnoredConfigFile(f)) (f.endsWith(SERVICE_FILE_SUFFIX) ? files : strays).push(f);
  }
  for (const f of strays.sort()) config.warnings.push(new HearthError('ERR_CONFIG_VALUE', `ignored: service files end in ".toml"`, { file: `services/${f}` }));
  await loadServiceFiles(servicesDir, listed ? entries : undefined, files, config, defaults, cache);
  config.inetd = await loadInetdSources(dir, config.inetdToml);
  const { warnings: cronWarnings, ...cron } = await loadCrontabs(dir);
  config.cron = cron;
  config.warnings.push(...cronWarnings);
  config.hasInetdSources = config.inetd.files.length > 0;
  try {
    config.sysv = loadSysvScripts(join(dir, 'init.d'), join(dir, 'chkconfig.d'));
  } catch (e) {
    config.sysv = { scripts: [], errors: [e instanceof HearthError ? e : new HearthError('ERR_CONFIG_IO', `cannot read "${join(dir, 'init.d')}": ${(e as Error).message}`)] };
  }
  try {
    const searchPath = systemdSearchPath(dir, config.settings);
    if (await unitDirsHoldAnything(searchPath)) {
      // Imported here, not at the top: most hosts of hearthd have no unit, and src/systemd is a quarter of its code.
      const { defaultTargetRunlevel, loadSystemdUnits } = await import('./systemd-units.js');
      config.systemd = loadSystemdUnits(dir, config.settings, { log: config.settings.logs, limitSupport: support });
      // As systemd boots into default.target, it picks the level when hearth.toml names none.
      const level = config.settings.runlevelSet ? undefined : defaultTargetRunlevel(config.systemd);
      if (level !== undefined) config.settings = { ...config.settings, runlevel: level };
    } else {
      config.emptySystemdDirs = { searchPath, linkDir: systemdLinkDir(dir) };
    }
  } catch (e) {
    config.errors.push(new HearthError('ERR_CONFIG_IO', `cannot read the systemd units: ${(e as Error).message}`, { file: 'systemd' }));
  }
  // Services and broken files are already in name order (loadServiceFiles).
  return config;
}
