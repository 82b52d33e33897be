/**
 * Which desired files one host gets: every bundle whose selector matches the
 * host, merged into one config dir. When two bundles write the same file the
 * more specific wins (a host=NAME bundle before label bundles, then by bundle
 * name) and the loser is reported. fleet.toml is merged key by key, inetd.conf
 * line by line, so an "all hosts" bundle and a "role=web" bundle can both set
 * enablement without shadowing each other whole.
 */
import { hashFiles, parseFleetToml, pathProblem, unitsOf, type BundleFiles } from './bundle.js';
import type { BundleDoc } from './desired.js';
import type { Conflict } from './report.js';
import { isHostSelector, matchesHost, parseSelector } from './selector.js';

export interface AssignedSet {
  files: BundleFiles;
  hash: string;
  bundles: Record<string, number>;
  units: string[];
  /** Unit → the bundle that defines it here. */
  unitOwners: Record<string, string>;
  /** Files one bundle lost to another. */
  conflicts: Conflict[];
  /** Bundles or files that could not be used (an old or foreign writer). */
  problems: string[];
}

export function assignBundles(all: readonly BundleDoc[], host: string, labels: Readonly<Record<string, string>>): AssignedSet {
  const problems: string[] = [];
  const mine = all
    .filter((b) => {
      try {
        return !b.removed && matchesHost(parseSelector(b.selector), host, labels);
      } catch {
        problems.push(`bundle "${b.name}" has an unreadable selector ${JSON.stringify(b.selector)}`);
        return false;
      }
    })
    .sort((a, b) => Number(isHostSelector(parseSelector(b.selector))) - Number(isHostSelector(parseSelector(a.selector))) || a.name.localeCompare(b.name));
  const files: BundleFiles = {};
  const owner = new Map<string, string>();
  const conflicts: Conflict[] = [];
  const fleetTomls: Array<{ bundle: string; text: string }> = [];
  const inetd: string[] = [];
  for (const b of mine) {
    for (const [path, text] of Object.entries(b.files)) {
      const problem = pathProblem(path);
      if (problem) {
        problems.push(`bundle "${b.name}": ${problem}`);
        continue;
      }
      if (path === 'fleet.toml') fleetTomls.push({ bundle: b.name, text });
      else if (path === 'inetd.conf') inetd.push(`# from fleet bundle ${b.name}\n${text.endsWith('\n') ? text : text + '\n'}`);
      else if (owner.has(path)) conflicts.push({ unit: path, bundle: b.name, winner: owner.get(path)! });
      else {
        owner.set(path, b.name);
        files[path] = text;
      }
    }
  }
  const unitOwners: Record<string, string> = {};
  for (const [path, bundle] of owner) for (const unit of unitsOf({ [path]: files[path]! })) unitOwners[unit] ??= bundle;
  for (const b of mine) if (b.files['inetd.conf']) for (const unit of unitsOf({ 'inetd.conf': b.files['inetd.conf'] })) unitOwners[unit] ??= b.name;
  if (inetd.length > 0) files['inetd.conf'] = inetd.join('');
  if (fleetTomls.length > 0) files['fleet.toml'] = mergeFleetTomls(fleetTomls, conflicts, problems);
  return {
    files,
    hash: hashFiles(files),
    bundles: Object.fromEntries(mine.map((b) => [b.name, b.version])),
    units: unitsOf(files),
    unitOwners,
    conflicts,
    problems,
  };
}

function mergeFleetTomls(parts: Array<{ bundle: string; text: string }>, conflicts: Conflict[], problems: string[]): string {
  let runlevel: { value: number; bundle: string } | undefined;
  const enable = new Map<string, { levels: number[]; bundle: string }>();
  for (const { bundle, text } of parts) {
    const parsed = parseFleetToml(`fleet.toml of bundle ${bundle}`, text);
    for (const e of parsed.errors) problems.push(e.toString());
    if (parsed.runlevel !== undefined) {
      if (!runlevel) runlevel = { value: parsed.runlevel, bundle };
      else if (runlevel.value !== parsed.runlevel) conflicts.push({ unit: 'fleet.toml:runlevel', bundle, winner: runlevel.bundle });
    }
    for (const [unit, levels] of Object.entries(parsed.enable)) {
      const have = enable.get(unit);
      if (!have) enable.set(unit, { levels, bundle });
      else if (have.levels.join() !== levels.join()) conflicts.push({ unit: `fleet.toml:enable.${unit}`, bundle, winner: have.bundle });
    }
  }
  const lines = ['# Merged by hearth from the fleet bundles assigned to this host.'];
  if (runlevel) lines.push(`runlevel = ${runlevel.value}`);
  if (enable.size > 0) {
    lines.push('', '[enable]');
    for (const unit of [...enable.keys()].sort()) lines.push(`${JSON.stringify(unit)} = [${enable.get(unit)!.levels.join(', ')}]`);
  }
  return lines.join('\n') + '\n';
}
