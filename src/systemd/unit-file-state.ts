/**
 * `systemctl is-enabled` for one unit file: enabled (a link to it under one
 * of the names its [Install] section creates, in the config directory),
 * enabled-runtime, linked, alias, masked, static (no [Install]), indirect
 * (enabled only through other names, or only via Also=), disabled.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { discover, isUnder, type InstallInfo, type InstallPaths } from './install-info.js';
import type { UnitFileState } from './enablement.js';
import { classifyUnitName, instantiate, templateOf } from './unit-name.js';

function isKnownName(info: InstallInfo, entry: string): boolean {
  if (entry === info.name || info.alias.includes(entry)) return true;
  if (info.defaultInstance && classifyUnitName(info.name) === 'template') return instantiate(info.name, info.defaultInstance) === entry;
  return false;
}

interface DirResult {
  found: boolean;
  sameNameLink: boolean;
}

function scanDirectory(dir: string, info: InstallInfo, ignoreDestination: boolean, matchName: boolean, ignoreSameName: boolean, configPath: string): DirResult {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return { found: false, sameNameLink: false };
  }
  let sameNameLink = false;
  for (const de of entries) {
    if (!de.isSymbolicLink() || de.name.startsWith('.')) continue;
    let foundDest = false;
    if (!ignoreDestination) {
      let dest: string;
      try {
        dest = fs.readlinkSync(path.join(dir, de.name));
      } catch {
        continue;
      }
      foundDest = path.basename(dest) === info.name;
    }
    const foundPath = ignoreDestination || !ignoreSameName ? de.name === info.name : false;
    if (!foundPath && ignoreDestination) foundDest = templateOf(de.name) === info.name;
    if (foundPath && foundDest && path.join(dir, de.name) === path.join(configPath, info.name)) {
      sameNameLink = true;
      continue;
    }
    if (foundPath || foundDest) {
      if (!matchName || isKnownName(info, de.name)) return { found: true, sameNameLink };
    }
  }
  return { found: false, sameNameLink };
}

function findSymlinks(dir: string, info: InstallInfo, matchName: boolean, ignoreSameName: boolean, configPath: string): DirResult {
  let sameNameLink = false;
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return { found: false, sameNameLink };
  }
  for (const de of entries) {
    if (!de.isDirectory() || !/\.(wants|requires)$/.test(de.name)) continue;
    const r = scanDirectory(path.join(dir, de.name), info, true, matchName, ignoreSameName, configPath);
    sameNameLink ||= r.sameNameLink;
    if (r.found) return { found: true, sameNameLink };
  }
  const r = scanDirectory(dir, info, false, matchName, ignoreSameName, configPath);
  return { found: r.found, sameNameLink: sameNameLink || r.sameNameLink };
}

function findInScope(info: InstallInfo, paths: InstallPaths, matchName: boolean): UnitFileState | null {
  const runtime = paths.runtimePaths ?? [];
  let enabledInRuntime = false;
  let enabledAtAll = false;
  let sameConfig = false;
  let sameRuntime = false;
  let ignoreSameName = false;
  for (const p of paths.searchPath) {
    const r = findSymlinks(p, info, matchName, ignoreSameName, paths.configPath);
    if (r.found) {
      if (p === paths.configPath) return 'enabled';
      if (runtime.includes(p)) enabledInRuntime = true;
      else enabledAtAll = true;
    } else if (r.sameNameLink) {
      if (p === paths.configPath) sameConfig = true;
      else if (runtime.includes(p)) sameRuntime = true;
    }
    if (!ignoreSameName && isUnder(info.path, [p])) ignoreSameName = true;
  }
  if (enabledInRuntime) return 'enabled-runtime';
  if (enabledAtAll && classifyUnitName(info.name) === 'instance') return 'static';
  if (sameConfig) return 'linked';
  if (sameRuntime) return 'linked-runtime';
  return null;
}

/** The state `systemctl is-enabled NAME` reports. */
export function unitFileState(name: string, paths: InstallPaths): UnitFileState {
  const d = discover(name, paths);
  if (!d.ok) return d.error === 'not-found' ? 'not-found' : 'bad';
  const info = d.info;
  if (info.mode === 'masked') return isUnder(info.path, paths.runtimePaths ?? []) ? 'masked-runtime' : 'masked';
  if (name !== path.basename(info.path) && classifyUnitName(info.name) !== 'instance') return 'alias';
  const direct = findInScope(info, paths, true);
  if (direct) return direct;
  if (findInScope(info, paths, false)) return 'indirect';
  if (info.alias.length + info.wantedBy.length + info.requiredBy.length > 0) return 'disabled';
  return info.also.length > 0 ? 'indirect' : 'static';
}
