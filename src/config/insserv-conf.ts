/**
 * insserv.conf and insserv.conf.d/*: the LSB system facilities ($local_fs,
 * $network, $syslog…) defined as the scripts that provide them, and the
 * <interactive> keyword. Read with insserv's own rules: a line is
 * `$name members…` (or `$name = …`, `$name: …`), members are separated by
 * blanks, commas or semicolons, `+name` is optional (ignored when no script
 * provides it), `$other` nests another facility. A config dir without
 * insserv.conf gets Debian's defaults, so a real host's init scripts order
 * the way insserv orders them there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HearthError } from '../errors/index.js';

export interface FacilityMember {
  /** A script's Provides name, or `$facility` for a nested one. */
  name: string;
  /** Written with `+`: used when present, silently skipped when not. */
  optional: boolean;
}

export interface InsservConf {
  /** `$facility` → its members, in the order written (several lines add up). */
  facilities: Map<string, FacilityMember[]>;
  /** Names listed under `<interactive>`: their start runs alone. */
  interactive: string[];
  /** Files read, relative to the config dir; empty when the built-in defaults are used. */
  files: string[];
  builtIn: boolean;
  warnings: HearthError[];
}

/**
 * Debian 12's /etc/insserv.conf (package insserv 1.24), plus two facilities
 * Debian defines elsewhere: `$portmap` (rpcbind's insserv.conf.d file) and
 * `$x-display-manager` (the display managers Debian packages).
 */
export const DEBIAN_INSSERV_CONF = `$local_fs\t+mountall +mountall-bootclean +mountoverflowtmp +umountfs
$network\t+networking +ifupdown
$named\t\t+named +dnsmasq +lwresd +bind9 +unbound +pdns-recursor $network
$remote_fs\t$local_fs +mountnfs +mountnfs-bootclean +umountnfs +sendsigs
$syslog\t\t+rsyslog +sysklogd +syslog-ng +dsyslog +inetutils-syslogd
$time\t\t+hwclock
$portmap\t+rpcbind +portmap
$x-display-manager\t+gdm3 +gdm +kdm +xdm +lightdm +sddm +lxdm +slim +wdm +nodm
<interactive>\tglibc udev console-screen keymap keyboard-setup console-setup cryptdisks cryptdisks-early checkfs-loop
`;

const FACILITY_LINE = /^(\$[a-z0-9_-]+)([ \t]*[=:][ \t]*|[ \t]+)(.*)$/i;
const KEYWORD_LINE = /^(<[a-z0-9_-]+>)([ \t]*[=:][ \t]*|[ \t]+)(.*)$/i;
const KNOWN_KEYWORDS = new Set(['<interactive>']);

function emptyConf(builtIn: boolean): InsservConf {
  return { facilities: new Map(), interactive: [], files: [], builtIn, warnings: [] };
}

/** Adds one file's definitions to `conf`. `file` is used in messages only. */
export function parseInsservConf(text: string, file: string, conf: InsservConf = emptyConf(false)): InsservConf {
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const lineNo = i + 1;
    // insserv skips only lines that begin with "#" or are empty; anything else that is not a definition is ignored too.
    if (line === '' || line.startsWith('#')) return;
    const fac = FACILITY_LINE.exec(line);
    const key = fac ? undefined : KEYWORD_LINE.exec(line);
    if (!fac && !key) {
      if (line.trim() !== '') {
        conf.warnings.push(
          new HearthError('ERR_CONFIG_SYNTAX', `not a definition: "${line.trim()}" (insserv ignores it)`, {
            file,
            line: lineNo,
            hint: 'a definition starts at the beginning of the line: "$facility member…" or "<interactive> name…"',
          }),
        );
      }
      return;
    }
    const words = splitMembers(fac ? fac[3]! : key![3]!, file, lineNo, conf);
    if (key) {
      const keyword = key[1]!.toLowerCase();
      if (!KNOWN_KEYWORDS.has(keyword)) {
        conf.warnings.push(new HearthError('ERR_CONFIG_VALUE', `unknown keyword "${key[1]}" (insserv knows only <interactive>)`, { file, line: lineNo }));
        return;
      }
      for (const w of words) if (!conf.interactive.includes(w)) conf.interactive.push(w);
      return;
    }
    const name = fac![1]!.toLowerCase();
    const members = conf.facilities.get(name) ?? [];
    for (const w of words) {
      const optional = w.startsWith('+');
      const member = optional ? w.slice(1) : w;
      if (member === '') continue;
      members.push({ name: member, optional });
    }
    conf.facilities.set(name, members);
  });
  return conf;
}

/** Blank, comma and semicolon separate members (insserv's delimiters); a "#" word ends the line. */
function splitMembers(value: string, file: string, line: number, conf: InsservConf): string[] {
  const words = value.split(/[ \t,;]+/).filter(Boolean);
  const hash = words.findIndex((w) => w.startsWith('#'));
  if (hash < 0) return words;
  conf.warnings.push(
    new HearthError('ERR_CONFIG_SYNTAX', `a comment after a definition: insserv would read "${words.slice(hash).join(' ')}" as members`, {
      file,
      line,
      hint: 'put comments on lines of their own',
    }),
  );
  return words.slice(0, hash);
}

/** insserv.conf.d entries insserv reads: no dotfiles, backups, package-manager leftovers or RCS files. */
export function isIgnoredInsservFile(name: string): boolean {
  if (name.startsWith('.') || name.endsWith('~')) return true;
  const dot = name.lastIndexOf('.');
  if (dot >= 0) {
    const ext = name.slice(dot + 1);
    if (/^(rpm|ba|dpkg|ucf)/.test(ext) || ['old', 'new', 'org', 'orig', 'save', 'swp', 'core'].includes(ext)) return true;
  }
  return name.endsWith(',v');
}

/**
 * Reads CONFIG_DIR/insserv.conf and CONFIG_DIR/insserv.conf.d/*. When neither
 * exists, the built-in Debian defaults apply. Never throws: unreadable files
 * become warnings.
 */
export function loadInsservConf(configDir: string): InsservConf {
  const main = path.join(configDir, 'insserv.conf');
  const dropIns = path.join(configDir, 'insserv.conf.d');
  const hasMain = fs.existsSync(main);
  let entries: string[] = [];
  const problems: HearthError[] = [];
  try {
    entries = fs.readdirSync(dropIns).filter((f) => !isIgnoredInsservFile(f)).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') problems.push(new HearthError('ERR_CONFIG_IO', `cannot read: ${(e as Error).message}`, { file: 'insserv.conf.d' }));
  }
  if (!hasMain && entries.length === 0) return parseInsservConf(DEBIAN_INSSERV_CONF, '(built-in insserv.conf)', emptyConf(true));
  const conf = emptyConf(false);
  conf.warnings.push(...problems);
  const read = (file: string, rel: string) => {
    try {
      if (!fs.statSync(file).isFile()) return;
      parseInsservConf(fs.readFileSync(file, 'utf8'), rel, conf);
      conf.files.push(rel);
    } catch (e) {
      conf.warnings.push(new HearthError('ERR_CONFIG_IO', `cannot read: ${(e as Error).message}`, { file: rel }));
    }
  };
  if (hasMain) read(main, 'insserv.conf');
  for (const f of entries) read(path.join(dropIns, f), `insserv.conf.d/${f}`);
  return conf;
}

/**
 * Every facility expanded down to script names: a nested `$facility` is
 * replaced by its own members (keeping their `+`), as insserv expands them.
 * A loop or an undefined nested facility is reported and left out.
 */
export function expandFacilities(conf: InsservConf): { table: Record<string, FacilityMember[]>; problems: HearthError[] } {
  const table: Record<string, FacilityMember[]> = {};
  const problems: HearthError[] = [];
  const expand = (name: string, trail: string[]): FacilityMember[] => {
    const out: FacilityMember[] = [];
    for (const m of conf.facilities.get(name) ?? []) {
      if (!m.name.startsWith('$')) {
        out.push(m);
        continue;
      }
      const nested = m.name.toLowerCase();
      if (trail.includes(nested)) {
        problems.push(new HearthError('ERR_CONFIG_VALUE', `facility loop: ${[...trail, nested].join(' -> ')}`, { file: 'insserv.conf' }));
        continue;
      }
      if (!conf.facilities.has(nested)) {
        problems.push(new HearthError('ERR_CONFIG_VALUE', `facility "${name}" includes "${m.name}", which is not defined`, { file: 'insserv.conf' }));
        continue;
      }
      out.push(...expand(nested, [...trail, nested]));
    }
    return out;
  };
  for (const name of conf.facilities.keys()) {
    const seen = new Map<string, FacilityMember>();
    for (const m of expand(name, [name])) {
      const had = seen.get(m.name);
      // Required anywhere in the expansion wins over optional.
      if (!had || (had.optional && !m.optional)) seen.set(m.name, m);
    }
    table[name] = [...seen.values()];
  }
  return { table, problems: dedupe(problems) };
}

function dedupe(errors: HearthError[]): HearthError[] {
  const seen = new Set<string>();
  return errors.filter((e) => (seen.has(e.message) ? false : (seen.add(e.message), true)));
}
