/**
 * Random changes to a config dir's services/, of every kind a reload must
 * notice (a write, a rewrite that keeps size and times, a removal, a rename,
 * a symlink, a change through a symlink's target or another hard link, stray
 * and ignored names), for tests that compare a load that starts from the last
 * one with a load from scratch.
 */
import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/index.js';

const NAMES = ['a.toml', 'b.toml', 'c.toml', 'd.toml', 'e.toml', 'f.toml', 'g.toml', 'x.conf', '.hidden.toml', 'y.toml~'];
const TEXTS = [
  'exec = ["/bin/sleep", "1"]\n',
  'exec = ["/bin/sleep", "22"]\n',
  'exec = [\n',
  'exec = ["/bin/true"]\nschedule = "daily"\n',
  'exec = ["/bin/sleep", "3"]\nrestart = "always"\n',
];

export interface ChurnStep {
  /** What was done, for a failure's message. */
  what: string;
  /** The names in services/ a watch on it would report. */
  changed: string[];
}

/** Makes one random change to DIR/services (DIR/outside holds symlink targets and other links). */
export function churnServicesDir(dir: string, random: () => number): ChurnStep {
  const services = join(dir, 'services');
  const outside = join(dir, 'outside');
  mkdirSync(outside, { recursive: true });
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const name = pick(NAMES);
  const path = join(services, name);
  const there = readdirSync(services).includes(name);
  const regular = there && lstatSync(path).isFile();
  const op = pick(['write', 'write', 'rewrite', 'remove', 'rename', 'symlink', 'outside', 'hardlink']);
  const what = `${op} ${name}`;
  if (op === 'write') {
    writeFileSync(path, pick(TEXTS));
    return { what, changed: [name] };
  }
  if (op === 'rewrite' && regular) {
    // The same size, the times put back: only the ctime (or a watch) tells.
    const old = statSync(path);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/\d/, (d) => String((Number(d) + 1) % 10)));
    utimesSync(path, old.atime, old.mtime);
    return { what, changed: [name] };
  }
  if (op === 'remove' && there) {
    unlinkSync(path);
    return { what, changed: [name] };
  }
  if (op === 'rename' && there) {
    const to = pick(NAMES);
    renameSync(path, join(services, to));
    return { what: `${what} to ${to}`, changed: [name, to] };
  }
  if (op === 'symlink' && !there) {
    writeFileSync(join(outside, name), pick(TEXTS));
    symlinkSync(join(outside, name), path);
    return { what, changed: [name] };
  }
  if (op === 'hardlink' && !there && !existsSync(join(outside, name))) {
    // Linked as it is written, so a look at it sees the second link. (A link made later is
    // the one change a watch on the dir cannot see: see src/daemon/service-dir-watch.ts.)
    writeFileSync(path, pick(TEXTS));
    linkSync(path, join(outside, name));
    return { what, changed: [name] };
  }
  // A change no watch on services/ sees: through a symlink's target, or another link of the file.
  if (op === 'outside' && existsSync(join(outside, name))) writeFileSync(join(outside, name), pick(TEXTS));
  return { what, changed: [] };
}

/** What a load gave, as lines that compare. */
export function loadSummary(config: LoadedConfig): string[] {
  return [
    ...[...config.services.values()].map((d) => `service ${d.name} ${JSON.stringify(d.exec)} ${d.restart}`),
    ...[...config.timers.values()].map((d) => `timer ${d.name} ${JSON.stringify(d.exec)}`),
    ...config.broken.map((b) => `broken ${b.name} ${b.errors.map(String).join(' | ')}`),
    ...config.warnings.map((w) => `warning ${String(w)}`),
    ...config.errors.map((e) => `error ${String(e)}`),
  ];
}
