/**
 * A bundle: the files of one `fleet apply DIR`, laid out like a config dir,
 * stored in etcd as one value (so one transaction makes it visible whole).
 *
 *   services/NAME.toml   native services, pools, inetd-style services, timers
 *   xinetd.d/FILE        xinetd service files, unchanged
 *   init.d/NAME          SysV init scripts (materialised executable)
 *   inetd.conf           classic inetd lines
 *   fleet.toml           runlevel = N, and [enable] NAME = [levels] for any unit
 *
 * Files are text, and bounded: etcd takes requests up to 1.5 MiB by default
 * and a bundle travels twice in an apply (current + history).
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HearthError } from '../errors/index.js';
import { isIgnoredConfigFile, isIgnoredInitFile, parseFleetToml } from '../config/index.js';

// fleet.toml is read by the config layer (hearthd applies it as it loads the set); bundles check it with the same parser.
export { parseFleetToml, type FleetToml } from '../config/index.js';
import { isValidServiceName } from '../model/index.js';

export type BundleFiles = Record<string, string>;

export const BUNDLE_LIMITS = { files: 500, fileBytes: 64 * 1024, totalBytes: 512 * 1024 };
const FOLDERS = ['services', 'xinetd.d', 'init.d'] as const;
const TOP_FILES = ['inetd.conf', 'fleet.toml'] as const;
const LAYOUT_HINT = 'a fleet dir holds services/*.toml, xinetd.d/*, init.d/*, inetd.conf and fleet.toml';

export interface ReadBundle {
  files: BundleFiles;
  errors: HearthError[];
}

/** Reads DIR into bundle files; every problem is an error naming the file. */
export async function readBundleDir(dir: string): Promise<ReadBundle> {
  const files: BundleFiles = {};
  const errors: HearthError[] = [];
  let total = 0;
  const add = async (rel: string) => {
    const full = join(dir, rel);
    const st = await lstat(full);
    if (!st.isFile()) return errors.push(new HearthError('ERR_CONFIG_VALUE', `"${rel}" is not a regular file`, { file: rel, hint: LAYOUT_HINT }));
    if (st.size > BUNDLE_LIMITS.fileBytes) return errors.push(new HearthError('ERR_CONFIG_VALUE', `"${rel}" is ${st.size} bytes; a fleet file may have at most ${BUNDLE_LIMITS.fileBytes}`, { file: rel }));
    const bytes = await readFile(full);
    const text = bytes.toString('utf8');
    if (bytes.includes(0) || !Buffer.from(text, 'utf8').equals(bytes)) {
      return errors.push(new HearthError('ERR_CONFIG_VALUE', `"${rel}" is not UTF-8 text`, { file: rel, hint: 'fleet files are configuration text' }));
    }
    total += bytes.length;
    files[rel] = text;
  };
  let top: string[];
  try {
    top = (await readdir(dir)).sort();
  } catch (e) {
    return { files, errors: [new HearthError('ERR_CONFIG_IO', `cannot read fleet dir "${dir}": ${(e as Error).message}`, { file: dir })] };
  }
  for (const name of top) {
    if (isIgnoredConfigFile(name)) continue;
    if ((TOP_FILES as readonly string[]).includes(name)) await add(name);
    else if ((FOLDERS as readonly string[]).includes(name)) {
      const st = await lstat(join(dir, name));
      if (!st.isDirectory()) {
        errors.push(new HearthError('ERR_CONFIG_VALUE', `"${name}" must be a folder`, { file: name, hint: LAYOUT_HINT }));
        continue;
      }
      for (const entry of (await readdir(join(dir, name))).sort()) {
        const rel = `${name}/${entry}`;
        if (name === 'init.d' ? isIgnoredInitFile(entry) : isIgnoredConfigFile(entry)) continue;
        const problem = pathProblem(rel);
        if (problem) errors.push(new HearthError('ERR_CONFIG_VALUE', problem, { file: rel, hint: LAYOUT_HINT }));
        else await add(rel);
      }
    } else errors.push(new HearthError('ERR_CONFIG_VALUE', `"${name}" has no place in a fleet dir`, { file: name, hint: LAYOUT_HINT }));
  }
  if (Object.keys(files).length > BUNDLE_LIMITS.files) {
    errors.push(new HearthError('ERR_CONFIG_VALUE', `fleet dir "${dir}" has ${Object.keys(files).length} files; at most ${BUNDLE_LIMITS.files} are allowed`, { file: dir }));
  }
  if (total > BUNDLE_LIMITS.totalBytes) {
    errors.push(new HearthError('ERR_CONFIG_VALUE', `fleet dir "${dir}" holds ${total} bytes; at most ${BUNDLE_LIMITS.totalBytes} are allowed`, { file: dir, hint: 'split it into bundles with --bundle' }));
  }
  if (files['fleet.toml'] !== undefined) errors.push(...parseFleetToml('fleet.toml', files['fleet.toml']).errors);
  return { files, errors };
}

/** Why a path may not be in a bundle, or undefined when it may. Also guards materialising what etcd holds. */
export function pathProblem(rel: string): string | undefined {
  if ((TOP_FILES as readonly string[]).includes(rel)) return undefined;
  const m = /^(services|xinetd\.d|init\.d)\/([^/]+)$/.exec(rel);
  if (!m) return `"${rel}" has no place in a fleet dir`;
  const [, folder, name] = m as unknown as [string, string, string];
  const unit = folder === 'services' ? name.replace(/\.toml$/, '') : name;
  if (folder === 'services' && !name.endsWith('.toml')) return `"${rel}" must end in .toml`;
  if (!isValidServiceName(unit)) return `"${unit}" in "${rel}" is not a valid unit name`;
  return undefined;
}

/** The units a bundle's files define, for local-wins conflict reports. */
export function unitsOf(files: BundleFiles): string[] {
  const names = new Set<string>();
  for (const [rel, text] of Object.entries(files)) {
    if (rel.startsWith('services/')) names.add(rel.slice('services/'.length, -'.toml'.length));
    else if (rel.startsWith('init.d/')) names.add(rel.slice('init.d/'.length));
    else if (rel.startsWith('xinetd.d/')) for (const m of text.matchAll(/^\s*service\s+(\S+)/gm)) names.add(m[1]!);
    else if (rel === 'inetd.conf') {
      for (const line of text.split('\n')) {
        const first = line.trim().split(/\s+/)[0];
        if (first && !first.startsWith('#')) names.add(first.replace(/^.*:/, ''));
      }
    }
  }
  return [...names].sort();
}

/** Same files, same hash: what hosts report as the set they materialised. */
export function hashFiles(files: BundleFiles): string {
  const h = createHash('sha256');
  for (const rel of Object.keys(files).sort()) h.update(`${rel}\0${files[rel]}\0`);
  return h.digest('hex').slice(0, 16);
}
