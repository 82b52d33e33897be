/**
 * One parser per kind of setting value, each saying what systemd would do
 * with an assignment: set a value, append to a list, reset it (most settings
 * reset on an empty assignment), or ignore it with a warning in systemd's
 * words. A few problems are fatal (the unit is refused at load).
 */
import { parseCalendarSpec, type TimeZone } from './calendar/index.js';
import { ENUMS, type Condition, type ExecDirectory, type ExitStatusSet, type TimerValue } from './setting-types.js';
import { parseEnvironmentLine } from './environment.js';
import { parseExecLine, type ExecCommand } from './exec-command.js';
import { parseSocketAddress, type SocketListen } from './socket-address.js';
import { expandSpecifiers, type SpecifierContext } from './specifiers.js';
import { INFINITY, parseTimeSpan, parseTimeSpanFix0 } from './time-span.js';
import { classifyUnitName, isValidUnitName, parseUnitName } from './unit-name.js';
import {
  checkPath, isValidUserOrGroup, parseBoolean, parseCapability, parseExitStatus, parseInteger, parseMode, parseRlimit, parseSignal, parseSize,
  parseUnsigned, type RlimitName,
} from './values.js';
import { splitWords } from './words.js';

export interface KindContext {
  spec: SpecifierContext;
  section: string;
  key: string;
  /** For OnCalendar=: the zone calendar expressions are read in, and whether a named zone exists. */
  calendar: { localZone: TimeZone; zoneExists: (name: string) => boolean };
}

export interface Outcome {
  /** Replace the value. */
  set?: unknown;
  /** Append these to the list. */
  append?: unknown[];
  /** Empty the value or list first. */
  reset?: boolean;
  warnings?: string[];
  /** systemd refuses the unit ("bad-setting"); parsing of the file stops here. */
  fatal?: string;
  /** Facts worth showing that systemd only logs quietly (Debian logs the /var/run rewrite at debug level). */
  notices?: string[];
}

export type KindParser = (value: string, c: KindContext) => Outcome;

const warn = (message: string): Outcome => ({ warnings: [message] });

function printf(value: string, c: KindContext, table: 'name' | 'full' = 'full'): { ok: true; value: string } | { ok: false; message: string } {
  const r = expandSpecifiers(value, c.spec, table);
  return r.ok ? r : { ok: false, message: r.message };
}

/** An enumerated value, with systemd's message when it is not one of them. Booleans map to yes/no where systemd allows that. */
export function enumKind(values: readonly string[], message: string, booleans = false): KindParser {
  return (v) => {
    if (values.includes(v)) return { set: v };
    if (booleans) {
      const b = parseBoolean(v);
      if (b !== null) return { set: b ? 'yes' : 'no' };
    }
    return warn(`${message}, ignoring: ${v}`);
  };
}

/** Dependency lists: unit names, name specifiers only, backslashes kept. */
const parseDeps: KindParser = (v, c) => {
    const words = splitWords(v, { retainEscape: true });
    if (words === null) return warn(`Invalid syntax, ignoring: ${v}`);
    const out: Outcome = { append: [], warnings: [] };
    for (const w of words) {
      const r = printf(w, c, 'name');
      if (!r.ok) out.warnings!.push(`Failed to resolve unit specifiers in '${w}', ignoring: ${r.message}`);
      else if (!isValidUnitName(r.value)) out.warnings!.push(`Failed to add dependency on ${r.value}, ignoring: Invalid argument`);
      else out.append!.push(r.value);
    }
    return out;
  };

/** MemoryMax= and friends: bytes with K/M/G…, a percentage of RAM, or infinity. */
const parseMemory: KindParser = (v, c) => {
    if (c.key === 'MemoryLimit' && v !== '') {
      const r = parseMemory(v, { ...c, key: 'MemoryMax' });
      return { ...r, warnings: ['Unit uses MemoryLimit=; please use MemoryMax= instead. Support for MemoryLimit= will be removed soon.', ...(r.warnings ?? [])] };
    }
    if (v === '' || v === 'infinity') return { set: v === '' && /Low|Min/.test(c.key) ? 0 : INFINITY };
    const pct = /^(\d+(?:\.\d{1,2})?)%$/.exec(v);
    if (pct) return Number(pct[1]) <= 100 ? { set: { percent: Number(pct[1]) } } : warn(`Invalid memory limit '${v}', ignoring: Invalid argument`);
    const n = parseSize(v, 1024);
    if (n === null) return warn(`Invalid memory limit '${v}', ignoring: Invalid argument`);
    if (n <= 0 && !/SwapMax|Low|Min/.test(c.key)) return warn(`Memory limit '${v}' out of range, ignoring.`);
    return { set: n };
  };

/**
 * A D-Bus service name: at most 255 bytes, two or more dot-separated
 * elements of [A-Za-z0-9_-]; a well-known name's elements do not start with
 * a digit, a unique name (":1.42") starts with a colon and its may.
 */
function isBusServiceName(name: string): boolean {
  if (name.length > 255) return false;
  const unique = name.startsWith(':');
  const parts = (unique ? name.slice(1) : name).split('.');
  const element = unique ? /^[A-Za-z0-9_-]+$/ : /^[A-Za-z_-][A-Za-z0-9_-]*$/;
  return parts.length >= 2 && parts.every((p) => element.test(p));
}

export const KINDS = {
  /** Free text with specifiers (Description=, SyslogIdentifier=). */
  string: (v, c) => {
    if (v === '') return { reset: true };
    const r = printf(v, c);
    return r.ok ? { set: r.value } : warn(`Failed to resolve unit specifiers in '${v}', ignoring: ${r.message}`);
  },
  /** Any value, kept as written (settings hearth records without interpreting). */
  raw: (v) => (v === '' ? { reset: true } : { append: [v] }),
  bool: (v) => {
    const b = parseBoolean(v);
    return b === null ? warn(`Failed to parse boolean value, ignoring: ${v}`) : { set: b };
  },
  sec: (v) => {
    const us = parseTimeSpan(v);
    return us === null ? warn(`Failed to parse sec value, ignoring: ${v}`) : { set: us };
  },
  secFix0: (v) => {
    const us = parseTimeSpanFix0(v);
    return us === null ? warn(`Failed to parse time value, ignoring: ${v}`) : { set: us };
  },
  /** TimeoutSec= and TimeoutStartSec=: 0 means no timeout. */
  serviceTimeout: (v, c) => {
    const us = parseTimeSpanFix0(v);
    return us === null ? warn(`Failed to parse ${c.key}= parameter, ignoring: ${v}`) : { set: us };
  },
  unsigned: (v) => {
    const n = parseUnsigned(v);
    return n === null ? warn(`Failed to parse unsigned value, ignoring: ${v}`) : { set: n };
  },
  int: (v) => {
    const n = parseInteger(v, { min: -2147483648, max: 2147483647 });
    return typeof n === 'number' ? { set: n } : warn(`Failed to parse int value, ignoring: ${v}`);
  },
  mode: (v) => {
    const m = parseMode(v);
    return m === null ? warn(`Failed to parse mode value, ignoring: ${v}`) : { set: m };
  },
  size: (v) => {
    const n = parseSize(v, 1024);
    return n === null ? warn(`Failed to parse size value '${v}', ignoring: Invalid argument`) : { set: n };
  },
  nice: (v) => {
    if (v === '') return { reset: true };
    const n = parseInteger(v);
    if (n === 'range' || (typeof n === 'number' && (n < -20 || n > 19))) return warn(`Nice priority out of range, ignoring: ${v}`);
    return typeof n === 'number' ? { set: n } : warn(`Failed to parse nice priority '${v}', ignoring: Invalid argument`);
  },
  oomScore: (v) => {
    const n = parseInteger(v);
    if (n === 'range' || (typeof n === 'number' && (n < -1000 || n > 1000))) return warn(`OOM score adjust value out of range, ignoring: ${v}`);
    return typeof n === 'number' ? { set: n } : warn(`Failed to parse the OOM score adjust value '${v}', ignoring: Invalid argument`);
  },
  signal: (v) => {
    const s = parseSignal(v);
    return s === null ? warn(`Failed to parse signal name, ignoring: ${v}`) : { set: s };
  },
  /** Dependency lists: unit names, name specifiers only, backslashes kept. */
  deps: parseDeps,
  obsoleteDeps: (v, c) => {
    const replacement = c.key.replace('Overridable', '');
    const r = parseDeps(v, c);
    return { ...r, warnings: [`Unit dependency type ${c.key}= is obsolete, replacing by ${replacement}=, please update your unit file`, ...(r.warnings ?? [])] };
  },
  documentation: (v, c) => {
    if (v === '') return { reset: true };
    const words = splitWords(v, { unquote: true, cunescape: true });
    if (words === null) return warn(`Invalid syntax, ignoring: ${v}`);
    const out: Outcome = { append: [], warnings: [] };
    for (const w of words) {
      const r = printf(w, c);
      if (!r.ok) continue;
      if (/^(https?|file|info|man):[^\s]+$/.test(r.value)) out.append!.push(r.value);
      else out.warnings!.push(`Invalid URL, ignoring: ${r.value}`);
    }
    return out;
  },
  /** Plain word lists (ReadWritePaths=, RestrictAddressFamilies=, …): kept as words. */
  words: (v) => {
    if (v === '') return { reset: true };
    const words = splitWords(v, { unquote: true, cunescape: true });
    return words === null ? warn(`Invalid syntax, ignoring: ${v}`) : { append: words };
  },
  path: (v, c) => {
    if (v === '') return { reset: true };
    const r = printf(v, c);
    if (!r.ok) return warn(`Failed to resolve unit specifiers in '${v}', ignoring: ${r.message}`);
    const p = checkPath(r.value, c.key, 'absolute');
    return p.ok ? { set: p.path } : warn(p.message);
  },
  workingDirectory: (v, c) => {
    if (v === '') return { reset: true };
    const missingOk = v.startsWith('-');
    const raw = missingOk ? v.slice(1) : v;
    if (raw === '~') return { set: { path: '~', missingOk } };
    // With "-" a bad path is only a warning; without, systemd refuses the unit.
    const r = printf(raw, c);
    if (!r.ok) {
      const message = `Failed to resolve unit specifiers in working directory path '${raw}'${missingOk ? ', ignoring' : ''}: ${r.message}`;
      return missingOk ? warn(message) : { fatal: message };
    }
    const p = checkPath(r.value, c.key, 'absolute', !missingOk);
    if (!p.ok) return missingOk ? warn(p.message) : { fatal: p.message };
    return { set: { path: p.path, missingOk } };
  },
  pidFile: (v, c) => {
    if (v === '') return { reset: true };
    const r = printf(v, c);
    if (!r.ok) return warn(`Failed to resolve unit specifiers in '${v}', ignoring: ${r.message}`);
    const abs = r.value.startsWith('/') ? r.value : `${c.spec.host.dirs.runtime}/${r.value}`;
    const p = checkPath(abs, c.key, 'absolute');
    if (!p.ok) return { fatal: p.message };
    if (p.path.startsWith('/var/run/')) {
      const fixed = p.path.replace(/^\/var\/run\//, '/run/');
      return { set: fixed, notices: [`${c.key}= references a path below legacy directory /var/run/, updating ${p.path} → ${fixed}; please update the unit file accordingly.`] };
    }
    return { set: p.path };
  },
  user: (v, c) => {
    if (v === '') return { reset: true };
    const r = printf(v, c);
    if (!r.ok) return { fatal: `Failed to resolve unit specifiers in ${v}: ${r.message}` };
    return isValidUserOrGroup(r.value) ? { set: r.value } : { fatal: `Invalid user/group name or numeric ID: ${r.value}` };
  },
  groups: (v, c) => {
    if (v === '') return { reset: true };
    const words = splitWords(v, { unquote: true });
    if (words === null) return { fatal: `Invalid syntax: ${v}` };
    const out: string[] = [];
    for (const w of words) {
      const r = printf(w, c);
      if (!r.ok) return { fatal: `Failed to resolve unit specifiers in ${w}: ${r.message}` };
      if (!isValidUserOrGroup(r.value)) return { fatal: `Invalid user/group name or numeric ID: ${r.value}` };
      out.push(r.value);
    }
    return { append: out };
  },
  exec: (v, c) => {
    if (v === '') return { reset: true };
    const r = parseExecLine(v, c.spec);
    if (r.ok) return { append: r.commands, warnings: r.warnings };
    if (r.fatal) return { append: r.commands, warnings: r.warnings, fatal: r.message };
    return { append: r.commands, warnings: [...r.warnings, r.message] };
  },
  environment: (v, c) => {
    if (v === '') return { reset: true };
    const r = parseEnvironmentLine(v, c.spec);
    return { append: r.assignments, warnings: r.warnings };
  },
  environmentFile: (v, c) => {
    if (v === '') return { reset: true };
    const r = printf(v, c);
    if (!r.ok) return warn(`Failed to resolve unit specifiers in '${v}', ignoring: ${r.message}`);
    const optional = r.value.startsWith('-');
    const p = checkPath(optional ? r.value.slice(1) : r.value, c.key, 'absolute');
    return p.ok ? { append: [{ path: p.path, optional }] } : warn(p.message);
  },
  exitStatusSet: (v) => {
    if (v === '') return { reset: true };
    const words = splitWords(v);
    if (words === null) return warn(`Failed to parse ${v}, ignoring: Invalid argument`);
    const set: ExitStatusSet = { statuses: [], signals: [] };
    const warnings: string[] = [];
    for (const w of words) {
      const status = parseExitStatus(w);
      if (status !== null) set.statuses.push(status);
      else {
        const sig = parseSignal(w);
        if (sig === null) warnings.push(`Failed to parse value, ignoring: ${w}`);
        else set.signals.push(sig);
      }
    }
    return { append: [set], warnings };
  },
  rlimit: (v, c) => {
    const r = parseRlimit(c.key.slice('Limit'.length) as RlimitName, v, (s, unit) => parseTimeSpan(s, unit));
    if (r === 'order') return warn(`Soft resource limit chosen higher than hard limit, ignoring: ${v}`);
    if (r === 'invalid') return warn(`Failed to parse resource value, ignoring: ${v}`);
    return { set: r };
  },
  execDirectories: (v, c) => {
    if (v === '') return { reset: true };
    const tuples = splitWords(v, { unquote: true, retainEscape: true });
    if (tuples === null) return warn(`Invalid syntax ${c.key}=${v}, ignoring: Invalid argument`);
    const out: Outcome = { append: [], warnings: [] };
    for (const tuple of tuples) {
      const parts = splitWords(tuple, { cunescape: true, unescapeSeparators: true }, ':');
      if (parts === null || parts.length === 0 || parts.length > 2) {
        out.warnings!.push(`Invalid syntax in ${c.key}=, ignoring: ${tuple}`);
        return out;
      }
      const src = printf(parts[0]!, c);
      if (!src.ok) continue;
      const p = checkPath(src.value, c.key, 'relative');
      if (!p.ok) {
        out.warnings!.push(p.message);
        continue;
      }
      if (p.path === 'private' || p.path.startsWith('private/')) {
        out.warnings!.push(`${c.key}= path can't be 'private', ignoring assignment: ${tuple}`);
        continue;
      }
      const dir: ExecDirectory = { path: p.path };
      if (parts[1]) {
        if (c.key === 'ConfigurationDirectory') {
          out.warnings!.push(`Destination parameter is not supported for ConfigurationDirectory, ignoring: ${tuple}`);
          continue;
        }
        const d = checkPath(parts[1], c.key, 'relative');
        if (!d.ok) {
          out.warnings!.push(d.message);
          continue;
        }
        dir.link = d.path;
      }
      out.append!.push(dir);
    }
    return out;
  },
  output: (v, c) => {
    const prefixed = /^(fd|file|append|truncate):(.*)$/s.exec(v);
    if (prefixed) {
      const [, kind, rest] = prefixed as unknown as [string, string, string];
      if (kind === 'fd') return /^[\x20-\x39\x3b-\x7e]*$/.test(rest) && rest.length <= 255 ? { set: { type: 'fd', fdName: rest || undefined } } : warn(`Invalid file descriptor name, ignoring: ${rest}`);
      const r = printf(rest, c);
      if (!r.ok) return warn(`Failed to resolve unit specifiers in ${rest}, ignoring: ${r.message}`);
      const p = checkPath(r.value, c.key, 'absolute', true);
      return p.ok ? { set: { type: kind, path: p.path } } : warn(p.message);
    }
    if (v === 'syslog' || v === 'syslog+console') {
      const now = v === 'syslog' ? 'journal' : 'journal+console';
      return { set: { type: now }, warnings: [`Standard output type ${v} is obsolete, automatically updating to ${now}. Please update your unit file, and consider removing the setting altogether.`] };
    }
    const types = ['inherit', 'null', 'tty', 'kmsg', 'kmsg+console', 'journal', 'journal+console', 'socket'];
    return types.includes(v) ? { set: { type: v } } : warn(`Failed to parse output specifier, ignoring: ${v}`);
  },
  input: (v, c) => {
    if (v.startsWith('file:')) {
      const r = printf(v.slice(5), c);
      if (!r.ok) return warn(`Failed to resolve unit specifiers in '${v.slice(5)}', ignoring: ${r.message}`);
      const p = checkPath(r.value, c.key, 'absolute', true);
      return p.ok ? { set: { type: 'file', path: p.path } } : warn(p.message);
    }
    if (v.startsWith('fd:')) return { set: { type: 'fd', fdName: v.slice(3) || undefined } };
    return ['null', 'tty', 'tty-force', 'tty-fail', 'socket', 'data'].includes(v) ? { set: { type: v } } : warn(`Failed to parse input specifier, ignoring: ${v}`);
  },
  /** Unknown capability names are skipped silently, as systemd does (it logs them at debug level). */
  capabilities: (v) => {
    const invert = v.startsWith('~');
    const words = splitWords(invert ? v.slice(1) : v, { unquote: true }) ?? [];
    const caps = words.map(parseCapability).filter((c): c is number => c !== null);
    const unknown = words.filter((w) => parseCapability(w) === null);
    return { append: [{ invert, caps }], notices: unknown.map((w) => `Unknown capability ${w}, ignoring.`) };
  },
  condition: (v, c) => {
    if (v === '') return { reset: true };
    const isPath = /^(Condition|Assert)(Path|DirectoryNotEmpty|FileNotEmpty|FileIsExecutable|NeedsUpdate)/.test(c.key);
    let rest = v;
    const trigger = rest.startsWith('|');
    if (trigger) rest = isPath ? rest.slice(1) : rest.slice(1).replace(/^[ \t\n\r]+/, '');
    const negate = rest.startsWith('!');
    if (negate) rest = isPath ? rest.slice(1) : rest.slice(1).replace(/^[ \t\n\r]+/, '');
    const r = printf(rest, c);
    if (!r.ok) return warn(isPath ? `Failed to resolve unit specifiers in ${rest}, ignoring: ${r.message}` : `Failed to resolve unit specifiers in '${rest}', ignoring: ${r.message}`);
    let parameter = r.value;
    if (isPath) {
      const p = checkPath(parameter, c.key, 'absolute');
      if (!p.ok) return warn(p.message);
      parameter = p.path;
    }
    const condition: Condition = { type: c.key.replace(/^(Condition|Assert)/, ''), trigger, negate, parameter };
    return { append: [condition] };
  },
  listen: (v, c) => {
    if (v === '') return { reset: true };
    const r = printf(v, c);
    if (!r.ok) return warn(`Failed to resolve unit specifiers in '${v}', ignoring: ${r.message}`);
    const parsed = parseSocketAddress(c.key, r.value);
    return 'message' in parsed ? warn(parsed.message) : { append: [parsed], notices: parsed.notice ? [parsed.notice] : [] };
  },
  timer: (v, c) => {
    if (v === '') return { reset: true };
    const r = printf(v, c);
    if (!r.ok) return warn(`Failed to resolve unit specifiers in '${v}', ignoring: ${r.message}`);
    if (c.key === 'OnCalendar') {
      const spec = parseCalendarSpec(r.value, c.calendar);
      return spec ? { append: [{ base: 'OnCalendar', text: r.value, spec } satisfies TimerValue] } : warn(`Failed to parse calendar specification, ignoring: ${r.value}`);
    }
    const us = parseTimeSpan(r.value);
    return us === null ? warn(`Failed to parse timer value, ignoring: ${r.value}`) : { append: [{ base: c.key as 'OnBootSec', usec: us } satisfies TimerValue] };
  },
  triggerUnit: (v, c) => {
    const r = printf(v, c, 'name');
    if (!r.ok) return warn(`Failed to resolve unit specifiers in ${v}, ignoring: ${r.message}`);
    if (classifyUnitName(r.value) === null) return warn(`Unit type not valid, ignoring: ${v}`);
    if (r.value === c.spec.unitName) return warn(`Units cannot trigger themselves, ignoring: ${v}`);
    return { set: r.value };
  },
  socketService: (v, c) => {
    const r = printf(v, c, 'name');
    if (!r.ok) return warn(`Failed to resolve unit specifiers in ${v}, ignoring: ${r.message}`);
    if (!r.value.endsWith('.service')) return warn(`Unit must be of type service, ignoring: ${v}`);
    return parseUnitName(r.value)?.kind === 'plain' ? { set: r.value } : warn(`Failed to load unit ${v}, ignoring: Invalid argument`);
  },
  /** BusName=: a bus name as the D-Bus specification allows it, which systemd checks. */
  busName: (v, c) => {
    if (v === '') return { reset: true };
    const r = printf(v, c);
    if (!r.ok) return warn(`Failed to resolve unit specifiers in ${v}, ignoring: ${r.message}`);
    return isBusServiceName(r.value) ? { set: r.value } : warn(`Invalid bus name, ignoring: ${r.value}`);
  },
  fdName: (v, c) => {
    if (v === '') return { reset: true };
    const r = printf(v, c);
    if (!r.ok) return warn(`Failed to resolve unit specifiers in '${v}', ignoring: ${r.message}`);
    return /^[\x20-\x39\x3b-\x7e]*$/.test(r.value) && r.value.length <= 255 ? { set: r.value } : warn(`Invalid file descriptor name, ignoring: ${r.value}`);
  },
  memory: parseMemory,
  tasksMax: (v) => {
    if (v === '') return { reset: true };
    if (v === 'infinity') return { set: INFINITY };
    const pct = /^(\d+(?:\.\d{1,2})?)%$/.exec(v);
    if (pct) return { set: { percent: Number(pct[1]) } };
    const n = parseInteger(v, { min: 0 });
    if (typeof n !== 'number') return warn(`Invalid maximum tasks value '${v}', ignoring: Invalid argument`);
    return n <= 0 ? warn(`Maximum tasks value '${v}' out of range, ignoring.`) : { set: n };
  },
  cpuWeight: (v, c) => {
    if (v === '') return { reset: true };
    if (v === 'idle' && c.key.includes('CPU')) return { set: 0 };
    const n = parseInteger(v, { min: 0 });
    return typeof n === 'number' && n >= 1 && n <= 10000 ? { set: n } : warn(`${c.key.includes('CPU') ? 'Invalid CPU weight' : 'Invalid weight'}, ignoring: ${v}`);
  },
  cpuQuota: (v) => {
    if (v === '') return { reset: true };
    const m = /^(\d+(?:\.\d+)?)%$/.exec(v);
    return m && Number(m[1]) > 0 ? { set: Number(m[1]) } : warn(`Invalid CPU quota '${v}', ignoring.`);
  },
  /** Keys systemd itself ignores: removed or compiled out. */
  removed: (_v, c) => warn(`Support for option ${c.key}= has been removed and it is ignored`),
  enumType: enumKind(ENUMS.Type, 'Failed to parse service type'),
  enumExitType: enumKind(ENUMS.ExitType, 'Failed to parse service exit type'),
  enumRestart: enumKind(ENUMS.Restart, 'Failed to parse service restart specifier'),
  enumKillMode: enumKind(ENUMS.KillMode, 'Failed to parse kill mode specification'),
  enumNotifyAccess: enumKind(ENUMS.NotifyAccess, 'Failed to parse notify access specifier'),
  enumOOMPolicy: enumKind(ENUMS.OOMPolicy, 'Failed to parse OOM policy'),
  enumPreserve: enumKind(ENUMS.RuntimeDirectoryPreserve, 'Failed to parse runtime directory preserve mode', true),
  enumProtectSystem: enumKind(ENUMS.ProtectSystem, 'Failed to parse protect system value', true),
  enumProtectHome: enumKind(ENUMS.ProtectHome, 'Failed to parse protect home value', true),
  enumBindIPv6Only: enumKind(ENUMS.BindIPv6Only, 'Failed to parse bind IPv6 only value', true),
  enumJobMode: enumKind(ENUMS.JobMode, 'Failed to parse job mode'),
  enumCollectMode: enumKind(ENUMS.CollectMode, 'Failed to parse garbage collection mode'),
  enumTimeoutFailureMode: enumKind(ENUMS.TimeoutFailureMode, 'Failed to parse timeout failure mode'),
  action: (v, c) => (ENUMS.Action.includes(v as never) ? { set: v } : warn(`Failed to parse ${c.key}=, ignoring: ${v}`)),
} satisfies Record<string, KindParser>;

export type KindName = keyof typeof KINDS;
export type { ExecCommand, SocketListen };
export type { Condition, ExecDirectory, ExitStatusSet, StdioSetting, TimerValue } from './setting-types.js';
