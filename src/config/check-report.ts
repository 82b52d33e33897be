import { HearthError } from '../errors/index.js';
import { SUPER_SERVER_NAME, compareNames } from '../model/index.js';
import { loadConfigDir, type LoadedConfig, type LoadOptions } from './config-dir.js';
import { facilityProblems } from './facility-check.js';
import { programWarnings } from './program-check.js';
import { diagnosticToError } from '../systemd/diagnostics.js';

/** What `hearth check` prints, offline or from hearthd: the same function makes both. */
export interface ConfigReport {
  configDir: string;
  ok: boolean;
  /** Every unit the dir defines, of every kind. */
  services: string[];
  errors: Array<{ code: string; message: string; file?: string; line?: number; key?: string; hint?: string; text: string }>;
  warnings: Array<{ message: string; file?: string; line?: number; text: string }>;
}

/** Loads a config dir and reports on it: the one check, used by hearthd and by the CLI without it. */
export async function checkConfigDir(dir: string, options: LoadOptions = {}): Promise<ConfigReport> {
  return configReport(await loadConfigDir(dir, options));
}

/** Every unit name a loaded config defines, whatever its source format. */
export function unitNames(config: LoadedConfig): string[] {
  return [
    ...config.services.keys(),
    ...config.timers.keys(),
    ...config.broken.map((b) => b.name),
    ...config.inetd.services.map((d) => d.id),
    ...config.sysv.scripts.map((s) => s.name),
    ...config.cron.jobs.map((j) => cronJobName(j)),
    ...(config.hasInetdSources ? [SUPER_SERVER_NAME] : []),
    ...(config.systemd?.units.map((u) => u.name) ?? []),
  ];
}

/** Every unit name once, in name order. */
function sortedUnitNames(config: LoadedConfig): string[] {
  const names = unitNames(config);
  // Native services alone are already in name order, each once (loadServiceFiles): a big fleet's reload needs no set and no sort.
  if (names.length === config.services.size) return names;
  return [...new Set(names)].sort(compareNames);
}

/** A crontab line becomes a timer named after its file and line: "cron.d-backup-4". */
export function cronJobName(job: { file: string; line: number }): string {
  return `${job.file.replace(/[^A-Za-z0-9_.@-]/g, '-')}-${job.line}`;
}

export function configReport(config: LoadedConfig): ConfigReport {
  const seen = new Set<string>();
  const errors: ConfigReport['errors'] = [];
  // A problem without a file (a refused unit) names its unit instead, as systemd prints it.
  const unitProblems = (config.systemd?.diagnostics ?? []).map((d) => (d.file || !d.unit ? d : { ...d, message: `${d.unit}: ${d.message}` }));
  const unitErrors = unitProblems.filter((d) => d.severity === 'error' && d.kind !== 'not-enforced').map(diagnosticToError);
  const unitWarnings = unitProblems.filter((d) => d.severity !== 'error' || d.kind === 'not-enforced').map(diagnosticToError);
  const all = [...config.errors, ...config.broken.flatMap((b) => b.errors), ...config.inetd.errors, ...config.cron.errors, ...config.sysv.errors, ...unitErrors];
  for (const e of all) {
    const text = e.toString();
    if (seen.has(text)) continue;
    seen.add(text);
    errors.push({
      code: e.code,
      message: e.message,
      ...(e.file ? { file: e.file } : {}),
      ...(e.line ? { line: e.line } : {}),
      ...(e.key ? { key: e.key } : {}),
      ...(e.hint ? { hint: e.hint } : {}),
      text,
    });
  }
  const warnings = [
    ...config.warnings,
    ...config.inetd.warnings,
    ...shadowWarnings(config),
    ...sysvWarnings(config),
    ...config.insserv.warnings,
    ...facilityProblems(config.insserv, config.sysv.scripts, config.services),
    ...programWarnings(config),
    ...unitWarnings,
  ].map((w) => ({
    message: w.message,
    ...(w.file ? { file: w.file } : {}),
    ...(w.line ? { line: w.line } : {}),
    text: w.toString(),
  }));
  return { configDir: config.configDir, ok: errors.length === 0, services: sortedUnitNames(config), errors, warnings };
}

/**
 * The same name from two sources: a native service file wins over an init
 * script, which wins over nothing else. Said once here, so that nobody wonders
 * why their init.d/cron never runs.
 */
function shadowWarnings(config: LoadedConfig): HearthError[] {
  // Looked up in the config's own maps: at 10,000 services a copy of them cost every reload a megabyte.
  const others = new Map<string, string>();
  const broken = config.broken.length > 0 ? new Map(config.broken.map((b) => [b.name, b.file])) : undefined;
  const ownerOf = (name: string): string | undefined =>
    (config.services.get(name) ?? config.timers.get(name))?.origin.file ?? broken?.get(name) ?? others.get(name);
  const units: HearthError[] = [];
  // A native service file beats a systemd unit of its name, which beats an init script of its base name.
  for (const u of config.systemd?.units ?? []) {
    if (u.type !== 'service') continue;
    const base = u.name.slice(0, -'.service'.length);
    const owner = ownerOf(base);
    if (owner !== undefined) units.push(new HearthError('ERR_CONFIG_VALUE', `systemd unit "${u.name}" is not used: ${owner} is the unit of that name`, { file: u.fragmentPath ?? u.name }));
    else others.set(base, u.fragmentPath ?? u.name);
  }
  for (const d of config.inetd.services) if (ownerOf(d.id) === undefined) others.set(d.id, d.origin.file);
  if (config.hasInetdSources && ownerOf(SUPER_SERVER_NAME) === undefined) others.set(SUPER_SERVER_NAME, 'the super-server');
  for (const s of config.sysv.scripts) {
    const owner = ownerOf(s.name);
    if (owner !== undefined) units.push(new HearthError('ERR_CONFIG_VALUE', `init script "${s.name}" is not used: ${owner} is the unit of that name`, { file: s.file }));
  }
  return units;
}

/** What init scripts loaded with but should say: bad levels, bad X-Hearth-* values (already "file:line: …"). */
function sysvWarnings(config: LoadedConfig): HearthError[] {
  return config.sysv.scripts.flatMap((s) => s.warnings.map((w) => new HearthError('ERR_CONFIG_VALUE', w)));
}
