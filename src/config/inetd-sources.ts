/**
 * Every source of inetd-style services in a config dir, merged into one list:
 * xinetd.conf (with its includes) and/or xinetd.d/, inetd.conf, and native
 * services/*.toml with type = "inetd".
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HearthError } from '../errors/index.js';
import { isValidServiceName, type InetdServiceDefinition } from '../model/index.js';
import { loadXinetdConfig, dedupeInetd, type InetdLoadResult } from './xinetd-conf.js';
import { loadInetdConf } from './inetd-conf.js';
import { parseInetdToml } from './inetd-toml.js';
import { loadEtcServices, parseEtcServices, type ServicesTable } from './etc-services.js';
import type { InetdTomlService } from './config-dir.js';

export async function loadInetdSources(
  configDir: string,
  tomlServices: InetdTomlService[],
  options: { services?: ServicesTable } = {},
): Promise<InetdLoadResult> {
  const services = options.services ?? (await loadEtcServices().catch(() => parseEtcServices('')));
  const all: InetdServiceDefinition[] = [];
  const warnings: HearthError[] = [];
  const errors: HearthError[] = [];
  const files: string[] = [];
  const take = (r: InetdLoadResult) => {
    all.push(...r.services);
    warnings.push(...r.warnings);
    errors.push(...r.errors);
    files.push(...r.files);
  };

  const mainFile = join(configDir, 'xinetd.conf');
  const dropIns = join(configDir, 'xinetd.d');
  const hasMain = existsSync(mainFile);
  if (hasMain || existsSync(dropIns)) {
    take(await loadXinetdConfig(hasMain ? mainFile : undefined, existsSync(dropIns) ? [dropIns] : [], { services }));
  }
  const inetdConf = join(configDir, 'inetd.conf');
  if (existsSync(inetdConf)) take(await loadInetdConf(inetdConf, { services }));
  for (const t of tomlServices) {
    const r = parseInetdToml(t.name, t.file, t.raw, t.lineOf, services);
    warnings.push(...r.warnings);
    errors.push(...r.errors);
    all.push(r.service);
    files.push(t.file);
  }
  return { services: dedupeInetd(all.filter((d) => nameIsSafe(d, errors)), errors), warnings, errors, files };
}

/**
 * A unit's name becomes a file name (its log), a cgroup and a URL segment:
 * an xinetd `service`/`id` or an inetd.conf name such as "../x" is refused
 * here, at the edge, with its file and line, and the service is left out.
 */
function nameIsSafe(d: InetdServiceDefinition, errors: HearthError[]): boolean {
  if (isValidServiceName(d.id)) return true;
  errors.push(
    new HearthError('ERR_CONFIG_VALUE', `invalid service name ${JSON.stringify(d.id)}: this service is ignored`, {
      file: d.origin.file,
      ...(d.origin.line ? { line: d.origin.line } : {}),
      hint: 'names use letters, digits, "_", ".", "@" and "-", start with a letter or digit, and never contain ".."',
    }),
  );
  return false;
}
