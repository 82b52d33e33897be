/**
 * What the unit search path holds, read once: which file each unit name
 * resolves to (through alias symlinks, templates and masks), which names are
 * aliases of which, and where drop-in and .wants/.requires directories are.
 * The rules are systemd's: the first directory that has a name wins; a
 * symlink to a file inside the search path is an alias, a symlink outside it
 * is a "linked" unit file, a symlink to /dev/null or an empty file is a mask.
 * Only reads the file system; nothing here writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UnitDiagnostic } from './diagnostics.js';
import { classifyUnitName, isUnitType, parseUnitName, templateOf, typeMayAlias, typeMayTemplate, instantiate } from './unit-name.js';

/** systemd follows at most this many alias hops. */
const FOLLOW_MAX = 8;

function isNullOrEmpty(p: string): boolean {
  try {
    const st = fs.statSync(p);
    if (st.isCharacterDevice()) return st.rdev === fs.statSync('/dev/null').rdev;
    return st.isFile() && st.size === 0;
  } catch {
    return false;
  }
}

/** Resolves "." and ".." lexically (systemd does not follow links while cleaning an alias target). */
function normalize(p: string): string {
  return path.posix.normalize(p).replace(/\/+$/, '') || '/';
}

function underAny(p: string, dirs: readonly string[]): string | null {
  for (const d of dirs) if (p === d || p.startsWith(`${d}/`)) return p.slice(d.length + 1);
  return null;
}

export class UnitDirectory {
  /** name → absolute path of a file (or a link outside the search path), or another unit name (an alias). */
  private readonly ids = new Map<string, string>();
  /** unit name → every name that resolves to it. */
  private readonly aliasNames = new Map<string, string[]>();
  /** Every directory entry that matters (.d, .wants, .requires directories and unit files), as absolute paths. */
  private readonly present = new Set<string>();
  readonly diagnostics: UnitDiagnostic[] = [];

  private constructor(readonly searchPath: readonly string[]) {}

  /** Reads the search path (highest priority first); missing directories are fine. */
  static scan(searchPath: readonly string[]): UnitDirectory {
    const dirs = searchPath.map((d) => normalize(path.resolve(d)));
    const self = new UnitDirectory(dirs);
    // Both the paths as given and as resolved count as "inside", so a symlinked unit directory still yields aliases.
    const expanded = [...dirs];
    for (const d of dirs) {
      try {
        const real = fs.realpathSync(d);
        if (!expanded.includes(real)) expanded.push(real);
      } catch { /* missing directory */ }
    }
    for (const dir of dirs) self.scanDirectory(dir, expanded);
    self.buildAliases();
    return self;
  }

  private scanDirectory(dir: string, expanded: readonly string[]): void {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const de of entries) {
      const full = `${dir}/${de.name}`;
      const isUnit = classifyUnitName(de.name) !== null;
      if (de.isDirectory() || (de.isSymbolicLink() && !isUnit)) {
        if (isDropInDirName(de.name) && fs.statSync(full, { throwIfNoEntry: false })?.isDirectory()) this.present.add(full);
        continue;
      }
      if (!isUnit || !(de.isFile() || de.isSymbolicLink())) continue;
      this.present.add(full);
      if (this.ids.has(de.name)) continue;
      if (de.isFile()) {
        this.ids.set(de.name, full);
        continue;
      }
      let target: string;
      try {
        target = fs.readlinkSync(full);
      } catch {
        continue;
      }
      const abs = normalize(path.isAbsolute(target) ? target : `${dir}/${target}`);
      const tail = underAny(abs, expanded);
      if (tail === null) {
        // A linked unit file or a mask: the symlink itself is the fragment.
        this.ids.set(de.name, full);
        continue;
      }
      const problem = aliasProblem(de.name, path.basename(abs));
      if (problem) {
        if (problem !== 'self') this.diagnostics.push({ severity: 'warning', kind: 'load', file: full, message: problem });
        continue;
      }
      if (tail.includes('/')) this.diagnostics.push({ severity: 'warning', kind: 'load', file: full, message: `Suspicious symlink ${full} → ${abs}, treating as alias.` });
      this.ids.set(de.name, path.basename(abs));
    }
  }

  /** systemd's unit_ids_map_get: follows aliases (and instance → template) to a file path. */
  private resolve(name: string): { path: string } | 'enoent' | 'enxio' | 'eloop' {
    let id: string | null = null;
    for (let n = 0; n < FOLLOW_MAX; n++) {
      let t = this.ids.get(id ?? name);
      if (t === undefined) {
        if (id === null) return 'enoent';
        const template = templateOf(id);
        t = template ? this.ids.get(template) : undefined;
        if (t === undefined) return 'enxio';
      }
      if (t.startsWith('/')) return { path: t };
      id = t;
    }
    return 'eloop';
  }

  private buildAliases(): void {
    for (const src of this.ids.keys()) {
      const r = this.resolve(src);
      if (typeof r === 'string' || isNullOrEmpty(r.path)) continue;
      let dst = path.basename(r.path);
      if (classifyUnitName(dst) === 'template') {
        const inst = parseUnitName(src);
        if (inst?.kind === 'instance') dst = instantiate(dst, inst.instance!) ?? dst;
      }
      const list = this.aliasNames.get(dst) ?? [];
      list.push(src);
      this.aliasNames.set(dst, list);
    }
  }

  /** Every unit file name on the search path (aliases included). */
  unitNames(): string[] {
    return [...this.ids.keys()].sort();
  }

  /** Where the name's file is (for an instance, possibly its template's); null when nothing matches. */
  fragmentOf(name: string): { path: string; masked: boolean } | null {
    let r = this.resolve(name);
    const parsed = parseUnitName(name);
    if (typeof r === 'string' && parsed?.kind === 'instance') r = this.resolve(templateOf(name)!);
    if (typeof r === 'string') return null;
    return { path: r.path, masked: isNullOrEmpty(r.path) };
  }

  /** The set of names a unit is known by, as systemd collects them (aliases, instance aliases). */
  namesOf(name: string): string[] {
    const names = new Set<string>();
    const parsed = parseUnitName(name);
    const add = (n: string, fragmentBase: string | null) => {
      if (parseUnitName(n)?.kind !== 'template' || parsed?.kind === 'template') names.add(n);
      for (const alias of this.aliasNames.get(n) ?? []) {
        if (parsed?.kind === 'instance' && classifyUnitName(alias) === 'template') {
          const inst = instantiate(alias, parsed.instance!);
          if (!inst) continue;
          const target = this.resolve(inst);
          if (fragmentBase && typeof target !== 'string' && path.basename(target.path) !== fragmentBase) continue;
          names.add(inst);
        } else names.add(alias);
      }
    };
    add(name, null);
    const fragment = this.fragmentOf(name);
    if (fragment) {
      const base = path.basename(fragment.path);
      if (base !== name) {
        const baseName = classifyUnitName(base) === 'template' && parsed?.instance ? instantiate(base, parsed.instance) ?? base : base;
        add(baseName, base);
      }
    }
    return [...names].sort();
  }

  /** systemd's directory search for one name: NAME.d, the template's, and the dash-prefix ones (foo-.service.d). */
  private dirsFor(dir: string, name: string, suffix: string, out: string[]): void {
    const candidate = `${dir}/${name}${suffix}`;
    if (this.present.has(candidate)) out.push(candidate);
    const parsed = parseUnitName(name);
    if (parsed?.kind === 'instance') this.dirsFor(dir, templateOf(name)!, suffix, out);
    if (isUnitType(name) || !parsed) return;
    let prefix = parsed.prefix;
    let chopped = false;
    for (;;) {
      const dash = prefix.lastIndexOf('-');
      if (dash <= 0) return;
      if (dash !== prefix.length - 1 || chopped) {
        prefix = prefix.slice(0, dash + 1);
        break;
      }
      prefix = prefix.slice(0, dash);
      chopped = true;
    }
    const built = parsed.kind === 'instance' ? `${prefix}@${parsed.instance}.${parsed.type}` : `${prefix}.${parsed.type}`;
    if (classifyUnitName(built) === null) return;
    this.dirsFor(dir, built, suffix, out);
  }

  /**
   * The files in a unit's NAME.d/ (suffix ".d", files "*.conf") or
   * NAME.wants/ and .requires/ directories (files of any name), across all
   * its names and the top-level TYPE.d/, one per file name, sorted by name.
   */
  dropInFiles(name: string, names: readonly string[], suffix: '.d' | '.wants' | '.requires'): string[] {
    const dirs: string[] = [];
    for (const n of [name, ...names.filter((x) => x !== name)]) for (const d of this.searchPath) this.dirsFor(d, n, suffix, dirs);
    const type = parseUnitName(name)?.type;
    if (type) for (const d of this.searchPath) if (this.present.has(`${d}/${type}${suffix}`)) dirs.push(`${d}/${type}${suffix}`);
    const seenDirs = new Set<string>();
    const byName = new Map<string, string>();
    for (const d of dirs) {
      let real = d;
      try {
        real = fs.realpathSync(d);
      } catch { /* vanished */ }
      if (seenDirs.has(real)) continue;
      seenDirs.add(real);
      let entries: string[] = [];
      try {
        entries = fs.readdirSync(d);
      } catch {
        continue;
      }
      for (const e of entries) {
        if (isHiddenOrBackup(e) || (suffix === '.d' && !e.endsWith('.conf'))) continue;
        if (!byName.has(e)) byName.set(e, `${d}/${e}`);
      }
    }
    return [...byName.keys()].sort().map((k) => byName.get(k)!);
  }
}

function isDropInDirName(name: string): boolean {
  for (const suffix of ['.wants', '.requires', '.d']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    if (classifyUnitName(base) !== null || isUnitType(base)) return true;
  }
  return false;
}

/** systemd's hidden_or_backup_file: dotfiles, "~" files and package-manager leftovers are skipped. */
export function isHiddenOrBackup(name: string): boolean {
  if (name.startsWith('.') || name.endsWith('~') || ['lost+found', 'aquota.user', 'aquota.group'].includes(name)) return true;
  const dot = name.lastIndexOf('.');
  if (dot < 0) return false;
  const ext = name.slice(dot + 1);
  return ['rpmnew', 'rpmsave', 'rpmorig', 'dpkg-old', 'dpkg-new', 'dpkg-tmp', 'dpkg-dist', 'dpkg-bak', 'dpkg-backup', 'dpkg-remove', 'ucf-new', 'ucf-old', 'ucf-dist', 'swp', 'bak', 'old', 'new'].includes(ext);
}

/** Why an alias symlink is not acceptable (systemd's wording), 'self' for an alias to itself, or null. */
export function aliasProblem(src: string, dst: string): string | 'self' | null {
  const s = parseUnitName(src);
  if (!s) return `${src}: not a valid unit name "${src}"`;
  if (!typeMayAlias(s.type)) return `${src}: symlinks are not allowed for units of this type, rejecting.`;
  if (s.kind !== 'plain' && !typeMayTemplate(s.type)) return `${src}: templates not allowed for ${s.type} units, rejecting.`;
  if (src === dst) return 'self';
  const d = parseUnitName(dst);
  if (!d) return `${src} points to "${dst}" which is not a valid unit name`;
  if (!(d.kind === s.kind || (s.kind === 'instance' && d.kind === 'template'))) return `${src}: symlink target name type "${dst}" does not match source, rejecting.`;
  if (d.kind === 'instance' && s.instance !== d.instance) return `${src}: unit symlink target "${dst}" instance name doesn't match, rejecting.`;
  if (d.type !== s.type) return `${src}: symlink target "${dst}" has incompatible suffix, rejecting.`;
  return null;
}
