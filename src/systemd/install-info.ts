/**
 * What enablement needs to know about a unit, found the way `systemctl
 * enable` finds it: the first file of that name on the search path (or the
 * template's, for an instance), following alias symlinks to their unit and
 * "linked" symlinks to files outside the search path, and the [Install]
 * section of the file and its NAME.d/ and TEMPLATE.d/ drop-ins.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expandSpecifiers, SYSTEM_HOST_DEFAULTS, type HostFacts } from './specifiers.js';
import { parseUnitFileText } from './unit-file-syntax.js';
import { classifyUnitName, instantiate, isValidInstance, parseUnitName, templateOf } from './unit-name.js';
import { splitWords } from './words.js';

export interface InstallPaths {
  /** Unit directories, highest priority first. */
  searchPath: readonly string[];
  /** Where enable/disable/mask write (systemd's /etc/systemd/system); must be in searchPath. */
  configPath: string;
  /** Runtime directories (systemd's /run/systemd/system): units enabled or masked there report "-runtime" states. */
  runtimePaths?: readonly string[];
  host?: HostFacts;
}

export interface InstallInfo {
  /** The name this entry is about (for an instance: the instance name). */
  name: string;
  /** The file found for it (possibly the template's, possibly a symlink path for masks). */
  path: string;
  mode: 'regular' | 'masked';
  wantedBy: string[];
  requiredBy: string[];
  alias: string[];
  also: string[];
  defaultInstance?: string;
}

export type Discovery = { ok: true; info: InstallInfo; chain: string[] } | { ok: false; error: 'not-found' | 'dangling' | 'loop' | 'invalid'; name: string };

const INSTALL_SECTIONS = ['Install', '-Unit', '-Automount', '-Device', '-Mount', '-Path', '-Scope', '-Service', '-Slice', '-Socket', '-Swap', '-Target', '-Timer'];

function isNullOrEmpty(p: string): boolean {
  try {
    const st = fs.statSync(p);
    return (st.isCharacterDevice() && fs.realpathSync(p) === '/dev/null') || (st.isFile() && st.size === 0);
  } catch {
    return false;
  }
}

export function isUnder(p: string, dirs: readonly string[]): string | null {
  for (const d of dirs) {
    const dd = d.replace(/\/+$/, '');
    if (p === dd || p.startsWith(`${dd}/`)) return dd;
  }
  return null;
}

/** Reads the [Install] keys of one file into info, as systemd's install code does. */
function readInstall(file: string, info: InstallInfo, host: HostFacts): void {
  let content: Buffer;
  try {
    content = fs.readFileSync(file);
  } catch {
    return;
  }
  const text = parseUnitFileText(content, file, { sections: INSTALL_SECTIONS });
  for (const a of text.assignments) {
    if (a.section !== 'Install') continue;
    const words = () => splitWords(a.value, { unquote: true, retainEscape: true }) ?? [];
    if (a.key === 'WantedBy') info.wantedBy = a.value === '' ? [] : [...info.wantedBy, ...words()];
    else if (a.key === 'RequiredBy') info.requiredBy = a.value === '' ? [] : [...info.requiredBy, ...words()];
    else if (a.key === 'Alias') info.alias = a.value === '' ? [] : [...info.alias, ...words()];
    else if (a.key === 'Also') {
      for (const w of splitWords(a.value) ?? []) {
        const r = expandSpecifiers(w, { unitName: info.name, host, ...(info.defaultInstance ? { defaultInstance: info.defaultInstance } : {}) }, 'install');
        if (r.ok) info.also.push(r.value);
      }
    } else if (a.key === 'DefaultInstance' && classifyUnitName(info.name) === 'template') {
      const r = expandSpecifiers(a.value, { unitName: info.name, host }, 'install');
      if (r.ok && (r.value === '' || isValidInstance(r.value))) {
        if (r.value === '') delete info.defaultInstance;
        else info.defaultInstance = r.value;
      }
    }
  }
}

interface Found {
  path: string;
  kind: 'regular' | 'masked' | 'alias' | 'linked';
  /** For alias and linked: where the symlink points (absolute). */
  target?: string;
}

/** Looks at one candidate path: a file, a mask, an alias symlink or a linked unit file. */
function examine(p: string, searchPath: readonly string[]): Found | null {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return null;
  }
  if (!st.isSymbolicLink()) {
    if (isNullOrEmpty(p)) return { path: p, kind: 'masked' };
    return st.isFile() ? { path: p, kind: 'regular' } : null;
  }
  const link = fs.readlinkSync(p);
  const target = path.posix.normalize(path.isAbsolute(link) ? link : path.join(path.dirname(p), link));
  if (isNullOrEmpty(target) || link === '/dev/null') return { path: p, kind: 'masked', target };
  return { path: p, kind: isUnder(target, searchPath) ? 'alias' : 'linked', target };
}

/** Finds the file for a name: its own on the search path, else its template's. */
function search(name: string, searchPath: readonly string[]): Found | null {
  for (const d of searchPath) {
    const f = examine(path.join(d, name), searchPath);
    if (f) return f;
  }
  const template = templateOf(name);
  if (template && classifyUnitName(name) === 'instance') {
    for (const d of searchPath) {
      const f = examine(path.join(d, template), searchPath);
      if (f) return f;
    }
  }
  return null;
}

/**
 * systemd's install_info_traverse: follows symlinks until a regular file or
 * a mask. An alias to another name continues as that name (an instance
 * name carries its instance over to a template alias).
 */
export function discover(name: string, paths: InstallPaths): Discovery {
  if (classifyUnitName(name) === null) return { ok: false, error: 'invalid', name };
  const host = paths.host ?? SYSTEM_HOST_DEFAULTS;
  let current = name;
  const chain = [name];
  let found = search(current, paths.searchPath);
  if (!found) return { ok: false, error: 'not-found', name };
  for (let hops = 0; found.kind === 'alias' || found.kind === 'linked'; hops++) {
    if (hops > 64) return { ok: false, error: 'loop', name };
    const targetBase = path.basename(found.target!);
    if (found.kind === 'linked' || targetBase === current || (classifyUnitName(current) === 'instance' && templateOf(current) === targetBase)) {
      // Same name (or our own template): keep the name, continue with the file it points to.
      const next = examine(found.target!, paths.searchPath);
      if (!next) return { ok: false, error: 'dangling', name };
      found = next;
      continue;
    }
    let nextName = targetBase;
    const parsed = parseUnitName(current);
    if (parsed?.kind === 'instance' && classifyUnitName(targetBase) === 'template') nextName = instantiate(targetBase, parsed.instance!) ?? targetBase;
    current = nextName;
    chain.push(current);
    const next = search(current, paths.searchPath);
    if (!next) return { ok: false, error: 'dangling', name };
    found = next;
  }
  const info: InstallInfo = { name: current, path: found.path, mode: found.kind === 'masked' ? 'masked' : 'regular', wantedBy: [], requiredBy: [], alias: [], also: [] };
  if (info.mode === 'regular') {
    readInstall(found.path, info, host);
    const dropDirs = [`${current}.d`, ...(templateOf(current) && classifyUnitName(current) === 'instance' ? [`${templateOf(current)}.d`] : [])];
    const confs = new Map<string, string>();
    for (const dn of dropDirs) {
      for (const d of paths.searchPath) {
        let entries: string[] = [];
        try {
          entries = fs.readdirSync(path.join(d, dn));
        } catch {
          continue;
        }
        for (const e of entries) if (e.endsWith('.conf') && !e.startsWith('.') && !confs.has(e)) confs.set(e, path.join(d, dn, e));
      }
    }
    for (const k of [...confs.keys()].sort()) readInstall(confs.get(k)!, info, host);
  }
  return { ok: true, info, chain };
}

/** Applies the [Install] specifiers (%n, %i, %p … with DefaultInstance=) to a name. */
export function installPrintf(text: string, info: InstallInfo, host: HostFacts = SYSTEM_HOST_DEFAULTS): string | null {
  const r = expandSpecifiers(text, { unitName: info.name, host, ...(info.defaultInstance ? { defaultInstance: info.defaultInstance } : {}) }, 'install');
  return r.ok ? r.value : null;
}
