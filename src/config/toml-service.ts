/**
 * Native service files, `services/NAME.toml`, into ServiceDefinition.
 *
 * The schema is a table of key → reader (SERVICE_KEYS): each reader checks one
 * value and writes it into a draft definition, so adding a key later (`listen`,
 * `workers`, `activation`…) is one entry here plus a field in the model. Checks
 * that involve several keys run once every key has been read (checkDraft).
 *
 * Defaults worth knowing:
 * - restart = "on-failure": a daemon that exits 0 on its own meant to stop (as
 *   supervisord's autorestart = unexpected); one that crashes comes back.
 * - runlevels = [2, 3, 4, 5], as a typical `# chkconfig: 2345` header.
 * - description = "" (front ends show the name instead).
 * - provides = []: the service's own name is always implied.
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import { HearthError } from '../errors/index.js';
import {
  DEFAULT_BACKOFF,
  DEFAULT_LOG,
  DEFAULT_RUNLEVELS,
  RLIMIT_NAMES,
  didYouMean,
  isValidServiceName,
  type LogSettings,
  type Readiness,
  type RlimitName,
  type RlimitValue,
  type Rlimits,
  type ServiceDefinition,
} from '../model/index.js';
import { findKeyLines } from './key-lines.js';
import { SplitCommandError, splitCommandDetailed } from './split-command.js';
import {
  FieldContext,
  describeValue,
  isTable,
  keyName,
  readAbsolutePath,
  readDuration,
  readInt,
  readNameList,
  readOctalMode,
  readOneOf,
  readSignal,
  readSize,
  readString,
  type KeyPath,
} from './toml-values.js';

export interface ParseServiceOptions {
  /** Log rotation for services that do not set log_max_size / log_keep (hearth.toml [logs]). */
  log?: LogSettings;
}

export interface ParsedServiceToml {
  /** Present when the file is a valid stand-alone service (errors is then empty). */
  definition?: ServiceDefinition;
  errors: HearthError[];
  warnings: HearthError[];
  /** `type = "inetd"`: the file belongs to the super-server's loader, which reads `raw`. */
  inetd?: true;
  raw?: Record<string, unknown>;
}

/** A definition while its keys are being read; checkDraft turns it into the real thing. */
export type ServiceDraft = { -readonly [K in keyof ServiceDefinition]?: ServiceDefinition[K] } & {
  backoff: ServiceDefinition['backoff'];
  log: ServiceDefinition['log'];
};

export interface KeyReaderContext {
  fields: FieldContext;
  draft: ServiceDraft;
  /** The key's path, e.g. ["nice"]. */
  path: KeyPath;
  /** The whole parsed document, for readers that depend on a neighbour. */
  doc: Record<string, unknown>;
  serviceName: string;
}

export type KeyReader = (value: unknown, c: KeyReaderContext) => void;

const RESTART_POLICIES = ['always', 'on-failure', 'never'] as const;
const SERVICE_TYPES = ['simple', 'forking', 'inetd'] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Writes a checked value into the draft when the reader accepted it. */
function set<T>(value: T | undefined, apply: (v: T) => void): void {
  if (value !== undefined) apply(value);
}

export const SERVICE_KEYS: Record<string, KeyReader> = {
  description: (v, { fields, path, draft }) => set(readString(fields, path, v), (s) => (draft.description = s)),
  exec: readExec,
  user: (v, { fields, path, draft }) => set(readAccount(fields, path, v), (s) => (draft.user = s)),
  group: (v, { fields, path, draft }) => set(readAccount(fields, path, v), (s) => (draft.group = s)),
  working_directory: (v, { fields, path, draft }) => set(readAbsolutePath(fields, path, v), (s) => (draft.workingDirectory = s)),
  environment: readEnvironment,
  // Relative paths are resolved against the config dir when the service starts.
  environment_file: (v, { fields, path, draft }) => set(readString(fields, path, v, { nonEmpty: true }), (s) => (draft.environmentFile = s)),
  umask: readUmask,
  nice: (v, { fields, path, draft }) => set(readInt(fields, path, v, -20, 19), (n) => (draft.nice = n)),
  rlimits: readRlimits,
  restart: (v, { fields, path, draft }) => set(readOneOf(fields, path, v, RESTART_POLICIES), (p) => (draft.restart = p)),
  restart_delay: (v, { fields, path, draft }) => set(readDuration(fields, path, v), (ms) => (draft.backoff.initialDelayMs = ms)),
  restart_delay_max: (v, { fields, path, draft }) => set(readDuration(fields, path, v), (ms) => (draft.backoff.maxDelayMs = ms)),
  restart_delay_multiplier: (v, { fields, path, draft }) => {
    if (typeof v === 'number' && Number.isFinite(v) && v >= 1 && v <= 100) draft.backoff.multiplier = v;
    else fields.error(path, `"${keyName(path)}" must be a number between 1 and 100, got ${describeValue(v)}`);
  },
  restart_stable_after: (v, { fields, path, draft }) => set(readDuration(fields, path, v), (ms) => (draft.backoff.stableAfterMs = ms)),
  start_limit_burst: (v, { fields, path, draft }) => set(readInt(fields, path, v, 1), (n) => (draft.backoff.burst = n)),
  start_limit_interval: (v, { fields, path, draft }) => set(readDuration(fields, path, v), (ms) => (draft.backoff.burstIntervalMs = ms)),
  restart_cool_down: (v, { fields, path, draft }) => set(readDuration(fields, path, v), (ms) => (draft.backoff.coolDownMs = ms)),
  stop_signal: (v, { fields, path, draft }) => set(readSignal(fields, path, v), (s) => (draft.stopSignal = s)),
  stop_timeout: (v, { fields, path, draft }) => set(readDuration(fields, path, v), (ms) => (draft.stopTimeoutMs = ms)),
  reload_signal: (v, { fields, path, draft }) => set(readSignal(fields, path, v), (s) => (draft.reloadSignal = s)),
  ready: (v, { fields, path, draft }) => set(readReadiness(fields, path, v), (r) => (draft.ready = r)),
  start_timeout: (v, { fields, path, draft }) => set(readDuration(fields, path, v), (ms) => (draft.startTimeoutMs = ms)),
  type: (v, { fields, path, draft }) =>
    set(readOneOf(fields, path, v, SERVICE_TYPES), (t) => {
      if (t !== 'inetd') draft.type = t;
    }),
  pidfile: (v, { fields, path, draft }) => set(readAbsolutePath(fields, path, v), (s) => (draft.pidFile = s)),
  runlevels: (v, { fields, path, draft }) => set(readRunlevels(fields, path, v), (l) => (draft.runlevels = l)),
  requires: (v, { fields, path, draft }) => set(readNameList(fields, path, v, { facilities: true }), (l) => (draft.requires = l)),
  after: (v, { fields, path, draft }) => set(readNameList(fields, path, v, { facilities: true }), (l) => (draft.after = l)),
  before: (v, { fields, path, draft }) => set(readNameList(fields, path, v, { facilities: true }), (l) => (draft.before = l)),
  provides: (v, { fields, path, draft }) => set(readNameList(fields, path, v, { facilities: true }), (l) => (draft.provides = l)),
  log_max_size: (v, { fields, path, draft }) => set(readSize(fields, path, v), (n) => (draft.log.maxBytes = n)),
  log_keep: (v, { fields, path, draft }) => set(readInt(fields, path, v, 0, 1000), (n) => (draft.log.keep = n)),
};

export function parseServiceToml(name: string, file: string, text: string, options: ParseServiceOptions = {}): ParsedServiceToml {
  const lines = findKeyLines(text);
  const fields = new FieldContext(file, lines);
  if (!isValidServiceName(name)) {
    fields.errors.push(
      new HearthError('ERR_CONFIG_VALUE', `invalid service name ${JSON.stringify(name)} (from the file name)`, {
        file,
        hint: 'rename the file: names use letters, digits, "_", ".", "@" and "-", and start with a letter or digit',
      }),
    );
  }

  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    return { errors: [...fields.errors, tomlSyntaxError(file, e)], warnings: [] };
  }

  if (doc.type === 'inetd') {
    return { errors: fields.errors, warnings: [], inetd: true, raw: doc };
  }

  const draft: ServiceDraft = { backoff: { ...DEFAULT_BACKOFF }, log: { ...(options.log ?? DEFAULT_LOG) } };
  for (const [key, value] of Object.entries(doc)) {
    const reader = SERVICE_KEYS[key];
    if (!reader) {
      fields.unknownKey([key], Object.keys(SERVICE_KEYS));
      continue;
    }
    reader(value, { fields, draft, path: [key], doc, serviceName: name });
  }
  checkDraft(draft, doc, fields, name);

  if (fields.errors.length > 0) return { errors: sortByLine(fields.errors), warnings: sortByLine(fields.warnings) };
  const definition: ServiceDefinition = {
    ...draft,
    name,
    description: draft.description ?? '',
    origin: { format: 'toml', file },
    exec: draft.exec!,
    environment: draft.environment ?? {},
    rlimits: draft.rlimits ?? {},
    type: draft.type ?? 'simple',
    restart: draft.restart ?? 'on-failure',
    stopSignal: draft.stopSignal ?? 'SIGTERM',
    stopTimeoutMs: draft.stopTimeoutMs ?? 10_000,
    reloadSignal: draft.reloadSignal ?? 'SIGHUP',
    ready: draft.ready ?? { kind: 'none' },
    startTimeoutMs: draft.startTimeoutMs ?? 30_000,
    runlevels: draft.runlevels ?? [...DEFAULT_RUNLEVELS],
    requires: draft.requires ?? [],
    after: draft.after ?? [],
    before: draft.before ?? [],
    provides: draft.provides ?? [],
  };
  return { definition, errors: [], warnings: sortByLine(fields.warnings) };
}

/** A TOML syntax error at the line smol-toml found it, with its first message line only. */
export function tomlSyntaxError(file: string, e: unknown): HearthError {
  if (e instanceof TomlError) {
    const first = e.message.replace(/^Invalid TOML document:\s*/, '').split('\n')[0]!.trim();
    return new HearthError('ERR_CONFIG_SYNTAX', `TOML syntax error: ${first}`, { file, line: e.line, cause: e });
  }
  return new HearthError('ERR_CONFIG_SYNTAX', `TOML syntax error: ${e instanceof Error ? e.message : String(e)}`, { file, cause: e });
}

function sortByLine(list: HearthError[]): HearthError[] {
  return [...list].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** Rules that span keys; each names the key a person should change. */
function checkDraft(draft: ServiceDraft, doc: Record<string, unknown>, fields: FieldContext, name: string): void {
  if (doc.exec === undefined) {
    fields.errors.push(
      new HearthError('ERR_CONFIG_MISSING', 'missing required key "exec"', {
        file: fields.file,
        key: 'exec',
        hint: 'e.g. exec = ["/usr/bin/python3", "-m", "http.server", "8080"]',
      }),
    );
  }
  if (draft.type === 'forking' && doc.pidfile === undefined) {
    fields.error(['type'], 'type = "forking" needs a "pidfile" to find the daemon\'s main process', 'add pidfile = "/run/NAME.pid"', 'ERR_CONFIG_MISSING');
  }
  if (draft.pidFile !== undefined && draft.type !== 'forking' && doc.type !== 'forking') {
    fields.warn(['pidfile'], '"pidfile" is only used with type = "forking"', 'add type = "forking" if the daemon puts itself in the background');
  }
  const b = draft.backoff;
  if (doc.restart_delay_max !== undefined && b.maxDelayMs < b.initialDelayMs) {
    fields.error(['restart_delay_max'], `"restart_delay_max" must not be shorter than "restart_delay" (${b.initialDelayMs}ms)`);
  }
  for (const key of ['requires', 'after', 'before'] as const) {
    if (draft[key]?.includes(name)) fields.error([key], `${JSON.stringify(key)} must not name the service itself (${JSON.stringify(name)})`);
  }
}

function readAccount(fields: FieldContext, path: KeyPath, v: unknown): string | undefined {
  // A numeric id is as good as a name; keep both as text for the process layer.
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return String(v);
  if (typeof v === 'string' && /^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/.test(v)) return v;
  return fields.error(path, `"${keyName(path)}" must be a user or group name or a numeric id, got ${describeValue(v)}`);
}

function readExec(v: unknown, { fields, path, draft }: KeyReaderContext): void {
  if (typeof v === 'string') {
    let split;
    try {
      split = splitCommandDetailed(v);
    } catch (e) {
      if (!(e instanceof SplitCommandError)) throw e;
      fields.error(path, `"exec" cannot be split into arguments: ${e.message}`, 'or give exec as an array: exec = ["/path/prog", "arg"]');
      return;
    }
    if (split.argv.length === 0 || split.argv[0] === '') {
      fields.error(path, `"exec" must name a program, got ${describeValue(v)}`);
      return;
    }
    for (const word of split.shellish) {
      fields.warn(path, `"exec" is not run by a shell: ${JSON.stringify(word)} is passed to the program as a plain argument`, 'use exec = ["/bin/sh", "-c", "…"] if a shell is wanted');
    }
    draft.exec = split.argv;
    return;
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    fields.error(path, `"exec" must be an array of strings or a command line string, got ${describeValue(v)}`);
    return;
  }
  if (v.length === 0 || v[0] === '') {
    fields.error(path, `"exec" must name a program, got ${describeValue(v)}`);
    return;
  }
  draft.exec = [...(v as string[])];
}

function readEnvironment(v: unknown, { fields, path, draft }: KeyReaderContext): void {
  if (!isTable(v)) {
    fields.error(path, `"environment" must be a table of strings, e.g. environment = { LANG = "C.UTF-8" }, got ${describeValue(v)}`);
    return;
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(v)) {
    const at = [...path, name];
    if (!ENV_NAME.test(name)) {
      fields.error(at, `invalid environment variable name ${JSON.stringify(name)}`, 'names use letters, digits and "_", and do not start with a digit');
      continue;
    }
    // Numbers and booleans are written naturally in TOML; the process sees text anyway.
    if (typeof value === 'string') env[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') env[name] = String(value);
    else fields.error(at, `"${keyName(at)}" must be a string, got ${describeValue(value)}`);
  }
  draft.environment = env;
}

function readUmask(v: unknown, { fields, path, draft }: KeyReaderContext): void {
  const mask = readOctalMode(fields, path, v, 0o777, '022');
  if (mask === undefined) return;
  // `umask = 22` is decimal 22 (0o026), almost never what was meant.
  if (typeof v === 'number' && v > 7 && /^[0-7]+$/.test(String(v))) {
    fields.warn(path, `"umask" = ${v} is a decimal number (octal ${mask.toString(8).padStart(3, '0')})`, `write umask = "0${v}" or 0o${v} for octal`);
  }
  draft.umask = mask;
}

function readRlimitBound(text: string): number | 'unlimited' | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'unlimited' || t === 'infinity') return 'unlimited';
  if (/^\d+$/.test(t)) return Number(t);
  // Byte limits (as, data, stack, …) are easier to read with a unit.
  const m = /^(\d+(?:\.\d+)?)([kmgt])i?b?$/.exec(t);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * 1024 ** ('kmgt'.indexOf(m[2]!) + 1));
}

function readRlimitValue(v: unknown): RlimitValue | undefined | 'order' {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? { soft: v, hard: v } : undefined;
  if (typeof v !== 'string') return undefined;
  const parts = v.split(':');
  if (parts.length > 2) return undefined;
  const soft = readRlimitBound(parts[0]!);
  const hard = parts.length === 2 ? readRlimitBound(parts[1]!) : soft;
  if (soft === undefined || hard === undefined) return undefined;
  if (hard !== 'unlimited' && (soft === 'unlimited' || soft > hard)) return 'order';
  return { soft, hard };
}

function readRlimits(v: unknown, { fields, path, draft }: KeyReaderContext): void {
  if (!isTable(v)) {
    fields.error(path, `"rlimits" must be a table, e.g. [rlimits] nofile = 4096, got ${describeValue(v)}`);
    return;
  }
  const limits: Rlimits = {};
  for (const [name, value] of Object.entries(v)) {
    const at = [...path, name];
    if (!(RLIMIT_NAMES as readonly string[]).includes(name)) {
      fields.unknownKey(at, RLIMIT_NAMES);
      continue;
    }
    const parsed = readRlimitValue(value);
    if (parsed === 'order') {
      fields.error(at, `"${keyName(at)}" soft limit must not exceed the hard limit, got ${describeValue(value)}`);
    } else if (parsed === undefined) {
      fields.error(at, `"${keyName(at)}" must be a number, "unlimited" or "soft:hard", got ${describeValue(value)}`);
    } else {
      limits[name as RlimitName] = parsed;
    }
  }
  draft.rlimits = limits;
}

function readRunlevels(fields: FieldContext, path: KeyPath, v: unknown): number[] | undefined {
  let levels: unknown[];
  // "2345" and "-" as in a `# chkconfig:` header are accepted too.
  if (typeof v === 'string' && /^(?:[0-6]*|-)$/.test(v)) levels = v === '-' ? [] : [...v].map(Number);
  else if (Array.isArray(v)) levels = v;
  else return fields.error(path, `"runlevels" must be an array of runlevels 0-6, e.g. [2, 3, 4, 5], got ${describeValue(v)}`);
  const bad = levels.filter((l) => !(typeof l === 'number' && Number.isInteger(l) && l >= 0 && l <= 6));
  if (bad.length > 0) return fields.error(path, `"runlevels" must hold integers between 0 and 6, got ${describeValue(bad[0])}`);
  return [...new Set(levels as number[])].sort((a, b) => a - b);
}

function readReadiness(fields: FieldContext, path: KeyPath, v: unknown): Readiness | undefined {
  const usage = '"none", "notify", "tcp:PORT", "tcp:HOST:PORT" or "log:REGEX"';
  if (typeof v !== 'string') return fields.error(path, `"ready" must be one of ${usage}, got ${describeValue(v)}`);
  if (v === 'none') return { kind: 'none' };
  if (v === 'notify') return { kind: 'notify' };
  if (v.startsWith('tcp:')) {
    const rest = v.slice(4);
    // [::1]:8080, 127.0.0.1:8080, localhost:8080 or just 8080.
    const m = /^(?:\[([^\]]+)\]:|([^:]+):)?(\d+)$/.exec(rest);
    const port = m ? Number(m[3]) : NaN;
    if (!m || !(port >= 1 && port <= 65535)) {
      return fields.error(path, `"ready" = "tcp:…" needs a port between 1 and 65535, as "tcp:8080" or "tcp:127.0.0.1:8080", got ${describeValue(v)}`);
    }
    return { kind: 'tcp', host: m[1] ?? m[2] ?? '127.0.0.1', port };
  }
  if (v.startsWith('log:')) {
    const source = v.slice(4);
    if (source === '') return fields.error(path, '"ready" = "log:…" needs a pattern, as "log:listening on"');
    try {
      return { kind: 'log', pattern: new RegExp(source) };
    } catch (e) {
      return fields.error(path, `"ready" has an invalid pattern ${JSON.stringify(source)}: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
    }
  }
  return fields.error(path, `"ready" must be one of ${usage}, got ${describeValue(v)}`, v.includes(':') ? undefined : didYouMean(v, ['none', 'notify']));
}
