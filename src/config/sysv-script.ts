/**
 * Reads the comment headers of SysV init scripts: Red Hat's `# chkconfig:` /
 * `# description:` lines and the LSB `### BEGIN INIT INFO` block. The script
 * body is never interpreted; a script without any header still loads, with
 * defaults (levels 2345, priorities computed from order).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HearthError } from '../errors/index.js';
import { withPolicy } from './sysv-policy.js';
import { DEFAULT_RUNLEVELS, isValidServiceName, type ChkconfigHeader, type LsbHeader, type SysvScript } from '../model/index.js';
import { readRegularFile } from './regular-file.js';

const LSB_BEGIN = /^###\s*BEGIN INIT INFO\s*$/;
const LSB_END = /^###\s*END INIT INFO\s*$/;

/** Parses one script's text. Throws HearthError (ERR_CONFIG_VALUE / ERR_CONFIG_SYNTAX) naming file:line. */
export function parseSysvScript(text: string, file: string, name = path.basename(file)): SysvScript {
  const lines = text.split('\n');
  let chkconfig: ChkconfigHeader | undefined;
  let lsb: LsbHeader | undefined;
  let description: string | undefined;
  let processName: string | undefined;
  let pidFile: string | undefined;
  const config: string[] = [];
  const warnings: string[] = [];

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    const lineNo = i + 1;
    const trimmed = raw.trimStart();
    if (!trimmed.startsWith('#')) continue;

    if (LSB_BEGIN.test(trimmed)) {
      if (lsb) {
        // Only the first block counts, as with insserv; skip the duplicate.
        while (i < lines.length && !LSB_END.test(lines[i]!.trim())) i++;
        continue;
      }
      const end = findLsbEnd(lines, i);
      if (end < 0) {
        throw new HearthError('ERR_CONFIG_SYNTAX', `LSB header of "${name}" is not closed by "### END INIT INFO"`, {
          file,
          line: lineNo,
        });
      }
      lsb = parseLsbBlock(lines.slice(i + 1, end), lineNo, file, warnings);
      i = end;
      continue;
    }

    const body = trimmed.slice(1).trimStart();
    const m = /^([A-Za-z][A-Za-z0-9_-]*)(\([A-Za-z_@.]+\))?:(.*)$/.exec(body);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const localized = m[2] !== undefined;
    const value = m[3]!.trim();

    if (key === 'chkconfig' && !chkconfig) {
      chkconfig = parseChkconfigLine(value, file, lineNo, name);
    } else if (key === 'description' && !localized && description === undefined) {
      const joined = readContinued(lines, i, value);
      description = joined.text;
      i = joined.lastIndex;
    } else if (key === 'processname' && processName === undefined && value) {
      processName = value.split(/\s+/)[0];
    } else if (key === 'pidfile' && pidFile === undefined && value) {
      pidFile = value.split(/\s+/)[0];
    } else if (key === 'config' && value) {
      config.push(value.split(/\s+/)[0]!);
    }
  }

  // The chkconfig line wins when both dialects are present (chkconfig itself
  // stops reading once it has levels and a description, usually before the LSB block).
  let defaultLevels: number[];
  if (chkconfig) defaultLevels = chkconfig.levels;
  // An LSB block with no (or an empty) Default-Start starts nowhere, as Debian's insserv
  // assumes: halt, reboot and sendsigs only stop. Only a script without any header gets 2345.
  else if (lsb) defaultLevels = lsb.defaultStart.filter((l) => !lsb!.defaultStop.includes(l));
  else defaultLevels = [...DEFAULT_RUNLEVELS];

  const provides = [name, ...(lsb?.provides ?? [])].filter((p, idx, all) => all.indexOf(p) === idx);
  const summary = lsb?.shortDescription ?? description ?? lsb?.description ?? name;

  return {
    name,
    file,
    ...(chkconfig ? { chkconfig, startPriority: chkconfig.start, stopPriority: chkconfig.stop } : {}),
    ...(lsb ? { lsb } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(processName !== undefined ? { processName } : {}),
    ...(pidFile !== undefined ? { pidFile } : {}),
    config,
    defaultLevels,
    provides,
    summary,
    hasHeaders: chkconfig !== undefined || lsb !== undefined,
    warnings,
  };
}

function findLsbEnd(lines: string[], begin: number): number {
  for (let j = begin + 1; j < lines.length; j++) {
    const t = lines[j]!.trim();
    if (LSB_END.test(t)) return j;
    // A block only spans comment lines; code means the END line is missing.
    if (t !== '' && !t.startsWith('#')) return -1;
  }
  return -1;
}

function parseChkconfigLine(value: string, file: string, line: number, name: string): ChkconfigHeader {
  const parts = value.split(/\s+/).filter(Boolean);
  if (parts.length < 3) {
    throw new HearthError('ERR_CONFIG_SYNTAX', `chkconfig header of "${name}" must be "LEVELS START STOP", got "${value}"`, {
      file,
      line,
      key: 'chkconfig',
      hint: 'e.g. "# chkconfig: 2345 55 25", or "-" for no default levels',
    });
  }
  const [levelsText, startText, stopText] = parts as [string, string, string];
  let levels: number[];
  if (levelsText === '-') levels = [];
  else if (/^[0-6]+$/.test(levelsText)) levels = [...new Set([...levelsText].map(Number))].sort();
  else {
    throw new HearthError('ERR_CONFIG_VALUE', `chkconfig levels "${levelsText}" of "${name}" must be digits 0-6 or "-"`, {
      file,
      line,
      key: 'chkconfig',
    });
  }
  const priority = (text: string, what: string): number => {
    if (!/^\d{1,2}$/.test(text)) {
      throw new HearthError('ERR_CONFIG_VALUE', `chkconfig ${what} priority "${text}" of "${name}" must be a number 0-99`, {
        file,
        line,
        key: 'chkconfig',
      });
    }
    return Number(text);
  };
  return { levels, start: priority(startText, 'start'), stop: priority(stopText, 'stop'), line };
}

/**
 * Joins a `# description:` value with its continuation lines: a trailing
 * backslash means the next comment line continues the text.
 */
function readContinued(lines: string[], index: number, first: string): { text: string; lastIndex: number } {
  let text = first;
  let i = index;
  while (text.endsWith('\\')) {
    const next = lines[i + 1];
    if (next === undefined) break;
    const t = next.trimStart();
    if (!t.startsWith('#')) break;
    i++;
    text = `${text.slice(0, -1).trimEnd()} ${t.slice(1).trim()}`;
  }
  if (text.endsWith('\\')) text = text.slice(0, -1).trimEnd();
  return { text: text.trim(), lastIndex: i };
}

const LSB_LIST_KEYS: Record<string, keyof LsbHeader> = {
  'provides': 'provides',
  'required-start': 'requiredStart',
  'required-stop': 'requiredStop',
  'should-start': 'shouldStart',
  'should-stop': 'shouldStop',
  'start-before': 'xStartBefore',
  'stop-after': 'xStopAfter',
};

/**
 * The key as insserv matches it: case and "_" do not matter, and the
 * Should-*, Start-Before, Stop-After and Interactive keys may carry any
 * `X-vendor-` prefix (X-Start-Before, X-Debian-Should-Start…).
 */
function canonicalLsbKey(key: string): string {
  const k = key.toLowerCase().replace(/_+/g, '-');
  const m = /^x-(?:[a-z0-9-]*-)?(should-start|should-stop|start-before|stop-after|interactive)$/.exec(k);
  return m ? m[1]! : k;
}

function parseLsbBlock(body: string[], beginLine: number, file: string, warnings: string[]): LsbHeader {
  const h: LsbHeader = {
    provides: [],
    requiredStart: [],
    requiredStop: [],
    shouldStart: [],
    shouldStop: [],
    defaultStart: [],
    defaultStop: [],
    sysinit: false,
    xStartBefore: [],
    xStopAfter: [],
    line: beginLine,
  };
  let lastKey: string | undefined;
  for (let k = 0; k < body.length; k++) {
    const raw = body[k]!.replace(/\r$/, '');
    const lineNo = beginLine + 1 + k;
    const t = raw.trimStart();
    if (!t.startsWith('#')) continue;
    // `#<TAB>` or `#` + two spaces continues the previous field (the LSB rule).
    if (/^#(\t| {2})/.test(t) && lastKey && !/^#\s*[A-Za-z][A-Za-z0-9-]*:/.test(t)) {
      const more = t.slice(1).trim();
      if (more && lastKey === 'description') h.description = `${h.description ?? ''} ${more}`.trim();
      continue;
    }
    const m = /^#\s*([A-Za-z][A-Za-z0-9-]*):(.*)$/.exec(t);
    if (!m) {
      lastKey = undefined;
      continue;
    }
    const key = canonicalLsbKey(m[1]!);
    const value = m[2]!.trim();
    lastKey = key;
    // insserv separates words by blanks, commas and semicolons.
    const words = value.split(/[\s,;]+/).filter(Boolean);
    if (key === 'required-stop' || key === 'should-stop' || key === 'stop-after') h.stopDeclared = true;
    if (key in LSB_LIST_KEYS) {
      (h[LSB_LIST_KEYS[key]!] as string[]).push(...words);
    } else if (key === 'default-start' || key === 'default-stop') {
      const levels = parseLsbLevels(words, file, lineNo, m[1]!, warnings);
      if (key === 'default-start') {
        h.defaultStart.push(...levels.levels);
        if (levels.sysinit) h.sysinit = true;
      } else h.defaultStop.push(...levels.levels);
    } else if (key === 'short-description') {
      if (value) h.shortDescription = value;
    } else if (key === 'description') {
      if (value) h.description = value;
    } else if (key === 'interactive') {
      // insserv recognises only the value "true".
      if (value === 'true') h.interactive = true;
    } else if (key.startsWith('x-')) {
      h.extra = { ...(h.extra ?? {}), [key]: value };
    }
  }
  h.defaultStart = [...new Set(h.defaultStart)].sort();
  h.defaultStop = [...new Set(h.defaultStop)].sort();
  return h;
}

function parseLsbLevels(
  words: string[],
  file: string,
  line: number,
  key: string,
  warnings: string[],
): { levels: number[]; sysinit: boolean } {
  const levels: number[] = [];
  let sysinit = false;
  for (const w of words) {
    if (w === 'S' || w === 's') sysinit = true;
    // "2345" written without spaces is common enough to accept.
    else if (/^[0-6]+$/.test(w)) levels.push(...[...w].map(Number));
    // Real scripts carry typos here ("Default-Stop: 90"); insserv warns and goes on, so do we.
    else warnings.push(`${file}:${line}: ignoring runlevel "${w}" in ${key} (must be 0-6 or S)`);
  }
  return { levels, sysinit };
}

/**
 * Files in init.d that are not services, by the rules insserv and chkconfig
 * apply (the union, since hearth reads Debian and Red Hat trees alike):
 * dotfiles, README*, Makefile*, skeleton*, powerfail*, rc, rcS, rx, core,
 * editor and package-manager leftovers (.dpkg-*, .rpm*, .ba*, .old, .orig,
 * .ucf-*, .swp, ~, ",", ",v") and names starting with a shell special character.
 * rc.local, halt, single and the like are real scripts and are read.
 */
export function isIgnoredInitFile(name: string): boolean {
  if (name === '' || name.endsWith('~') || name.endsWith(',') || name.endsWith(',v')) return true;
  if ('$.#%_+-\\*[]^:()~'.includes(name[0]!)) return true;
  if (/^(README|Makefile|skeleton|powerfail)/.test(name) || ['rc', 'rcS', 'rx', 'core'].includes(name)) return true;
  const dot = name.lastIndexOf('.');
  if (dot < 0) return false;
  const ext = name.slice(dot + 1);
  return /^(rpm|ba|dpkg|ucf)/.test(ext) || ['old', 'new', 'org', 'orig', 'save', 'swp', 'core'].includes(ext);
}

export interface SysvLoadResult {
  scripts: SysvScript[];
  /** One per script that could not be read or parsed; the others still load. */
  errors: HearthError[];
}

/**
 * Loads every init script in a directory (sorted by name); a missing
 * directory is no scripts. `overrideDir` (CONFIG_DIR/chkconfig.d) may hold a
 * header per script whose X-Hearth-* keys win over the script's own.
 */
export function loadSysvScripts(initDir: string, overrideDir?: string): SysvLoadResult {
  let names: string[];
  try {
    names = fs.readdirSync(initDir).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { scripts: [], errors: [] };
    throw new HearthError('ERR_CONFIG_IO', `cannot read init script directory "${initDir}"`, { cause: e, file: initDir });
  }
  const scripts: SysvScript[] = [];
  const errors: HearthError[] = [];
  for (const name of names) {
    if (isIgnoredInitFile(name)) continue;
    const file = path.join(initDir, name);
    if (!isValidServiceName(name)) {
      // The name becomes a log file name and a cgroup: never one that could leave its directory.
      errors.push(new HearthError('ERR_CONFIG_VALUE', `invalid service name ${JSON.stringify(name)}: this init script is ignored`, { file }));
      continue;
    }
    let text: string;
    let executable = false;
    try {
      const st = fs.statSync(file);
      if (!st.isFile()) continue;
      executable = (st.mode & 0o111) !== 0;
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      errors.push(new HearthError('ERR_CONFIG_IO', `cannot read init script "${file}"`, { cause: e, file }));
      continue;
    }
    try {
      const script = parseSysvScript(text, file, name);
      // A library such as Red Hat's init.d/functions: neither rc nor chkconfig would run it.
      if (!executable && !script.hasHeaders) continue;
      scripts.push(withPolicy(script, overrideDir ? readOverride(overrideDir, name, errors) : undefined));
    } catch (e) {
      if (e instanceof HearthError) errors.push(e);
      else throw e;
    }
  }
  return { scripts, errors };
}

/** CONFIG_DIR/chkconfig.d/NAME, parsed like a script; a broken or missing one is no override. */
function readOverride(dir: string, name: string, errors: HearthError[]): SysvScript | undefined {
  const file = path.join(dir, name);
  let text: string;
  try {
    text = readRegularFile(file);
  } catch {
    return undefined;
  }
  try {
    return parseSysvScript(text, file, name);
  } catch (e) {
    if (e instanceof HearthError) errors.push(e);
    return undefined;
  }
}
