import type { ConfigReport } from '../client/index.js';
import { HearthError } from '../errors/index.js';

/** The part of src/config's loadConfigDir result that `check` reads. */
interface LoadedConfigShape {
  configDir: string;
  services: Map<string, unknown>;
  broken: Array<{ name: string; file: string; errors: HearthError[] }>;
  errors: HearthError[];
  warnings: HearthError[];
  timers?: Map<string, unknown>;
  cron?: { errors: HearthError[] };
}

/**
 * `hearth check --config-dir DIR` without a daemon: load DIR with the same
 * loaders hearthd uses (imported lazily, the CLI rarely needs them).
 */
export async function checkOffline(dir: string): Promise<ConfigReport> {
  let mod: { loadConfigDir?: (dir: string) => Promise<LoadedConfigShape> };
  try {
    // Lazy: the loaders (and smol-toml) are only needed here, not for every command.
    mod = (await import('../config/index.js')) as typeof mod;
  } catch (e) {
    throw new HearthError('ERR_INTERNAL', `cannot check "${dir}" without hearthd: the config loaders failed to load`, { cause: e });
  }
  const { loadConfigDir } = mod;
  if (!loadConfigDir) throw new HearthError('ERR_INTERNAL', `cannot check "${dir}" without hearthd: no loadConfigDir in src/config`);
  const loaded = await loadConfigDir(dir);
  return toReport(loaded);
}

export function toReport(loaded: LoadedConfigShape): ConfigReport {
  const seen = new Set<string>();
  const errors: ConfigReport['errors'] = [];
  for (const e of [...loaded.errors, ...loaded.broken.flatMap((b) => b.errors), ...(loaded.cron?.errors ?? [])]) {
    const text = describe(e);
    if (seen.has(text)) continue;
    seen.add(text);
    errors.push({
      code: e instanceof HearthError ? e.code : 'ERR_CONFIG_VALUE',
      message: e.message,
      ...(e.file ? { file: e.file } : {}),
      ...(e.line ? { line: e.line } : {}),
      ...(e.key ? { key: e.key } : {}),
      ...(e.hint ? { hint: e.hint } : {}),
      text,
    });
  }
  const warnings = loaded.warnings.map((w) => ({
    message: w.message,
    ...(w.file ? { file: w.file } : {}),
    ...(w.line ? { line: w.line } : {}),
    text: describe(w),
  }));
  return {
    configDir: loaded.configDir,
    ok: errors.length === 0,
    services: [...loaded.services.keys(), ...(loaded.timers?.keys() ?? [])],
    errors,
    warnings,
  };
}

function describe(e: HearthError): string {
  return e instanceof HearthError ? e.toString() : String((e as Error).message ?? e);
}
