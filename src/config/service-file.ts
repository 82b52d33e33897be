/**
 * services/NAME.toml → ServiceDefinition. The schema is a table of key →
 * reader, so later features add keys (listen, workers, …) by adding rows.
 * Every problem is collected (not just the first) and names file, line and key.
 */
import { parse as parseToml } from 'smol-toml';
import { HearthError } from '../errors/index.js';
import {
  DEFAULT_BACKOFF,
  DEFAULT_LOG,
  DEFAULT_RUNLEVELS,
  NO_ENVIRONMENT,
  NO_NAMES,
  NO_RLIMITS,
  READY_AT_ONCE,
  RLIMIT_NAMES,
  isValidServiceName,
  parseListenSpec,
  type LogSettings,
  type LimitSupport,
  type Readiness,
  type ResourceLimits,
  type RlimitValue,
  type Rlimits,
  type ServiceDefinition,
} from '../model/index.js';
import { findKeyLines } from './key-lines.js';
import { splitCommandDetailed } from './split-command.js';
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
  readStringList,
  type KeyPath,
} from './toml-values.js';
import { tomlSyntaxError } from './toml-syntax-error.js';
import { POOL_KEYS, finishPool, readPoolKey, type PoolDraft } from './pool-keys.js';
import { TIMER_KEYS, finishTimer, readTimerKey, type TimerDraft } from './timer-keys.js';
import { LIMIT_KEYS, checkLimits, readLimitKey } from './limit-keys.js';

/** What a service file's meaning depends on besides its text: hearth.toml's log defaults, the limits this host can enforce. */
export interface ParseDefaults {
  log?: LogSettings;
  limitSupport?: LimitSupport;
}

export interface ServiceFileResult {
  definition?: ServiceDefinition;
  /** `type = "inetd"`: an inetd-style service, for the super-server's parser. */
  inetd?: { raw: Record<string, unknown>; lineOf(key: string): number | undefined };
  errors: readonly HearthError[];
  warnings: readonly HearthError[];
}

type Draft = Partial<ServiceDefinition> & {
  backoff: ServiceDefinition['backoff'];
  log: Readonly<LogSettings>;
  poolKeys: PoolDraft;
  timerKeys: TimerDraft;
  limitValues: ResourceLimits;
  /** What this host can enforce; undefined: assume everything (unit tests, other hosts). */
  limitSupport: LimitSupport | undefined;
};
type Reader = (c: FieldContext, path: KeyPath, value: unknown, draft: Draft) => void;

function readRlimitValue(c: FieldContext, path: KeyPath, v: unknown): RlimitValue | undefined {
  const one = (x: string | number): number | 'unlimited' | undefined => {
    if (x === 'unlimited' || x === 'infinity') return 'unlimited';
    const n = typeof x === 'number' ? x : /^\d+$/.test(x.trim()) ? Number(x.trim()) : NaN;
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  };
  if (typeof v === 'number' || (typeof v === 'string' && !v.includes(':'))) {
    const x = one(v);
    if (x !== undefined) return { soft: x, hard: x };
  } else if (typeof v === 'string') {
    const [s, h] = v.split(':');
    const soft = one(s!);
    const hard = one(h!);
    const order = soft === 'unlimited' ? hard === 'unlimited' : hard === 'unlimited' || (hard !== undefined && soft !== undefined && soft <= hard);
    if (soft !== undefined && hard !== undefined && order) return { soft, hard };
  }
  c.error(path, `${JSON.stringify(keyName(path))} must be a number, "unlimited", or "SOFT:HARD" with SOFT ≤ HARD, got ${describeValue(v)}`);
  return undefined;
}

function readReady(c: FieldContext, path: KeyPath, v: unknown): Readiness | undefined {
  const bad = () =>
    c.error(path, `"ready" must be "none", "notify", "tcp:PORT", "tcp:HOST:PORT" or "log:REGEX", got ${describeValue(v)}`);
  if (typeof v !== 'string') return bad();
  if (v === 'none') return { kind: 'none' };
  if (v === 'notify') return { kind: 'notify' };
  if (v.startsWith('tcp:')) {
    const rest = v.slice(4);
    const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d{1,5})$/.exec(rest);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) return bad();
    const host = m[1] ? m[1].replace(/^\[|\]$/g, '') : '127.0.0.1';
    return { kind: 'tcp', host, port };
  }
  if (v.startsWith('log:')) {
    const source = v.slice(4);
    if (source === '') return bad();
    try {
      return { kind: 'log', pattern: new RegExp(source) };
    } catch (e) {
      return c.error(path, `"ready" has an invalid regular expression ${JSON.stringify(source)}: ${(e as Error).message}`);
    }
  }
  return bad();
}

/** No errors, or no warnings: shared by every service file without any. */
const NO_PROBLEMS: readonly HearthError[] = Object.freeze([]);

const SCHEMA: Record<string, Reader> = {
  description: (c, p, v, d) => void (d.description = readString(c, p, v)),
  exec: (c, p, v, d) => {
    if (typeof v === 'string') {
      let split;
      try {
        split = splitCommandDetailed(v);
      } catch (e) {
        return void c.error(p, `"exec" cannot be split into arguments: ${(e as Error).message}`);
      }
      if (split.argv.length === 0) return void c.error(p, '"exec" is empty');
      if (split.shellish.length > 0) {
        c.warn(p, `"exec" is not run by a shell: ${split.shellish.map((w) => JSON.stringify(w)).join(', ')} will be passed literally`, 'use exec = ["/bin/sh", "-c", "..."] if you need a shell');
      }
      d.exec = split.argv;
    } else if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string') && v[0] !== '') {
      d.exec = v as string[];
    } else {
      c.error(p, `"exec" must be an array of strings (the argv) or a command line string, got ${describeValue(v)}`);
    }
  },
  type: (c, p, v, d) => void (d.type = readOneOf(c, p, v, ['simple', 'forking'] as const)),
  kill_mode: (c, p, v, d) => void (d.killMode = readOneOf(c, p, v, ['control-group', 'mixed', 'process'] as const)),
  pidfile: (c, p, v, d) => void (d.pidFile = readAbsolutePath(c, p, v)),
  user: (c, p, v, d) => void (d.user = typeof v === 'number' && Number.isInteger(v) && v >= 0 ? String(v) : readString(c, p, v, { nonEmpty: true })),
  group: (c, p, v, d) => void (d.group = typeof v === 'number' && Number.isInteger(v) && v >= 0 ? String(v) : readString(c, p, v, { nonEmpty: true })),
  working_directory: (c, p, v, d) => void (d.workingDirectory = readAbsolutePath(c, p, v)),
  environment: (c, p, v, d) => {
    if (!isTable(v)) return void c.error(p, `"environment" must be a table of strings, got ${describeValue(v)}`);
    const env: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) c.error([...p, k], `invalid environment variable name ${JSON.stringify(k)}`);
      else if (typeof val === 'string') env[k] = val;
      else if (typeof val === 'number' || typeof val === 'boolean') env[k] = String(val);
      else c.error([...p, k], `environment variable ${JSON.stringify(k)} must be a string, got ${describeValue(val)}`);
    }
    d.environment = env;
  },
  environment_file: (c, p, v, d) => void (d.environmentFile = readString(c, p, v, { nonEmpty: true })),
  umask: (c, p, v, d) => {
    // A TOML integer is decimal: umask = 22 means 0o026, which is never what anyone meant.
    if (typeof v === 'number' && v > 7 && /^[0-7]+$/.test(String(v))) {
      c.warn(p, `"umask" = ${v} is the decimal number ${v} (octal ${v.toString(8).padStart(3, '0')})`, 'write it as a string, umask = "022", or as 0o022');
    }
    d.umask = readOctalMode(c, p, v, 0o777, '022');
  },
  nice: (c, p, v, d) => {
    if (typeof v === 'number' && Number.isInteger(v) && v >= -20 && v <= 19) d.nice = v;
    else c.error(p, `"nice" must be an integer between -20 and 19, got ${describeValue(v)}`);
  },
  rlimits: (c, p, v, d) => {
    if (!isTable(v)) return void c.error(p, `"rlimits" must be a table such as { nofile = 4096 }, got ${describeValue(v)}`);
    const limits: Rlimits = {};
    for (const [k, val] of Object.entries(v)) {
      if (!(RLIMIT_NAMES as readonly string[]).includes(k)) {
        c.unknownKey([...p, k], RLIMIT_NAMES);
        continue;
      }
      const parsed = readRlimitValue(c, [...p, k], val);
      if (parsed) limits[k as keyof Rlimits] = parsed;
    }
    d.rlimits = limits;
  },
  restart: (c, p, v, d) => void (d.restart = readOneOf(c, p, v, ['always', 'on-failure', 'never'] as const)),
  restart_delay: (c, p, v, d) => setBackoff(d, 'initialDelayMs', readDuration(c, p, v)),
  restart_delay_max: (c, p, v, d) => setBackoff(d, 'maxDelayMs', readDuration(c, p, v)),
  restart_stable_after: (c, p, v, d) => setBackoff(d, 'stableAfterMs', readDuration(c, p, v)),
  start_limit_burst: (c, p, v, d) => setBackoff(d, 'burst', readInt(c, p, v, 1, 10_000)),
  start_limit_interval: (c, p, v, d) => setBackoff(d, 'burstIntervalMs', readDuration(c, p, v)),
  restart_cool_down: (c, p, v, d) => setBackoff(d, 'coolDownMs', readDuration(c, p, v)),
  restart_delay_multiplier: (c, p, v, d) => {
    if (typeof v === 'number' && v >= 1 && v <= 10) setBackoff(d, 'multiplier', v);
    else c.error(p, `"restart_delay_multiplier" must be a number from 1 to 10, got ${describeValue(v)}`);
  },
  stop_signal: (c, p, v, d) => void (d.stopSignal = readSignal(c, p, v)),
  stop_timeout: (c, p, v, d) => void (d.stopTimeoutMs = readDuration(c, p, v)),
  reload_signal: (c, p, v, d) => void (d.reloadSignal = readSignal(c, p, v)),
  ready: (c, p, v, d) => void (d.ready = readReady(c, p, v)),
  start_timeout: (c, p, v, d) => void (d.startTimeoutMs = readDuration(c, p, v)),
  listen: (c, p, v, d) => {
    const items = readStringList(c, p, v, 'an array of sockets such as ["tcp://127.0.0.1:8080", "unix:/run/app.sock"]');
    if (!items) return;
    for (const item of items) {
      try {
        parseListenSpec(item);
      } catch (e) {
        return void c.error(p, (e as Error).message);
      }
    }
    d.listen = items;
  },
  activation: (c, p, v, d) => void (d.activation = readOneOf(c, p, v, ['start', 'on-demand'] as const)),
  runlevels: (c, p, v, d) => {
    if (typeof v === 'string' && /^[0-6]*$/.test(v)) {
      // chkconfig's spelling: "2345".
      d.runlevels = [...new Set([...v].map(Number))].sort();
    } else if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 6)) {
      d.runlevels = [...new Set(v as number[])].sort();
    } else {
      c.error(p, `"runlevels" must be an array of runlevels 0 to 6 such as [2, 3, 4, 5], got ${describeValue(v)}`);
    }
  },
  requires: (c, p, v, d) => void (d.requires = readNameList(c, p, v, { facilities: true })),
  after: (c, p, v, d) => void (d.after = readNameList(c, p, v, { facilities: true })),
  before: (c, p, v, d) => void (d.before = readNameList(c, p, v, { facilities: true })),
  provides: (c, p, v, d) => void (d.provides = readNameList(c, p, v, { facilities: true })),
  log_max_size: (c, p, v, d) => {
    const n = readSize(c, p, v);
    if (n !== undefined) d.log = { ...d.log, maxBytes: n };
  },
  log_max_age: (c, p, v, d) => {
    const ms = readDuration(c, p, v);
    if (ms !== undefined) d.log = { ...d.log, maxAgeMs: ms };
  },
  on_log_full: (c, p, v, d) => void (d.onLogFull = readOneOf(c, p, v, ['drop', 'block'] as const)),
  log_keep: (c, p, v, d) => {
    const n = readInt(c, p, v, 0, 1000);
    if (n !== undefined) d.log = { ...d.log, keep: n };
  },
  ...Object.fromEntries(LIMIT_KEYS.map((key): [string, Reader] => [key, (c, p, v, d) => readLimitKey(c, p, key, v, d.limitValues, d.limitSupport)])),
  ...Object.fromEntries(POOL_KEYS.map((key): [string, Reader] => [key, (c, p, v, d) => readPoolKey(c, p, key, v, d.poolKeys)])),
  ...Object.fromEntries(TIMER_KEYS.map((key): [string, Reader] => [key, (c, p, v, d) => readTimerKey(c, p, key, v, d.timerKeys)])),
};

export const SERVICE_KEYS = Object.keys(SCHEMA);

function setBackoff(d: Draft, key: keyof Draft['backoff'], value: number | undefined): void {
  if (value !== undefined) d.backoff = { ...d.backoff, [key]: value };
}

/**
 * Parses one native service file. `file` is the display path used in messages
 * (relative to the config dir, like "services/web.toml").
 */
export function parseServiceFile(
  name: string,
  file: string,
  text: string,
  defaults: ParseDefaults = {},
): ServiceFileResult {
  const lines = findKeyLinesSafe(text);
  const c = new FieldContext(file, lines);
  if (!isValidServiceName(name)) {
    c.errors.push(
      new HearthError('ERR_CONFIG_VALUE', `invalid service name ${JSON.stringify(name)}`, {
        file,
        hint: 'file names use letters, digits, "_", ".", "@" and "-"',
      }),
    );
  }
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    return { errors: [tomlSyntaxError(file, e)], warnings: [] };
  }
  if (doc.type === 'inetd') {
    return { inetd: { raw: doc, lineOf: (key) => lines.lineOf([key]) }, errors: c.errors, warnings: [] };
  }

  const draft: Draft = {
    // Shared until a key changes them (the readers copy, then change).
    backoff: DEFAULT_BACKOFF,
    log: defaults.log ?? DEFAULT_LOG,
    poolKeys: {},
    timerKeys: {},
    limitValues: {},
    limitSupport: defaults.limitSupport,
  };
  for (const [key, value] of Object.entries(doc)) {
    const reader = SCHEMA[key];
    if (!reader) c.unknownKey([key], SERVICE_KEYS);
    else reader(c, [key], value, draft);
  }
  // A timer that starts a service ("start") has no program of its own.
  if (doc.exec === undefined && doc.start === undefined) {
    c.errors.push(new HearthError('ERR_CONFIG_MISSING', 'missing required key "exec" (the program and its arguments)', { file, key: 'exec' }));
  }
  if (draft.type === 'forking' && draft.pidFile === undefined && doc.pidfile === undefined) {
    c.error(['type'], '"type = "forking"" needs "pidfile" so hearth can follow the daemon', undefined, 'ERR_CONFIG_MISSING');
  }
  if (draft.activation === 'on-demand' && (draft.listen ?? []).length === 0) {
    c.error(['activation'], '"activation = "on-demand"" needs "listen" sockets to wait on', undefined, 'ERR_CONFIG_MISSING');
  }
  for (const key of ['requires', 'after', 'before'] as const) {
    if (draft[key]?.includes(name)) c.error([key], `"${key}" names the service itself ("${name}")`);
  }
  if (draft.pidFile !== undefined && draft.type !== 'forking') {
    c.warn(['pidfile'], '"pidfile" is only used with type = "forking"; it is ignored here');
  }
  if (doc.restart_delay_max === undefined && draft.backoff.initialDelayMs > draft.backoff.maxDelayMs) {
    draft.backoff = { ...draft.backoff, maxDelayMs: draft.backoff.initialDelayMs };
  }
  if (draft.backoff.initialDelayMs > draft.backoff.maxDelayMs) {
    c.error(['restart_delay'], `"restart_delay" (${draft.backoff.initialDelayMs}ms) is longer than "restart_delay_max" (${draft.backoff.maxDelayMs}ms)`);
  }
  checkLimits(c, draft.limitValues);
  const pool = finishPool(c, draft.poolKeys, draft);
  const timer = finishTimer(c, draft.timerKeys, { ...draft, hasExec: doc.exec !== undefined });
  if (c.errors.length > 0) return { errors: c.errors, warnings: c.warnings };

  const definition: ServiceDefinition = {
    name,
    description: draft.description ?? '',
    origin: { format: 'toml', file },
    exec: draft.exec ?? [],
    ...(draft.user !== undefined ? { user: draft.user } : {}),
    ...(draft.group !== undefined ? { group: draft.group } : {}),
    ...(draft.workingDirectory !== undefined ? { workingDirectory: draft.workingDirectory } : {}),
    environment: draft.environment ?? NO_ENVIRONMENT,
    ...(draft.environmentFile !== undefined ? { environmentFile: draft.environmentFile } : {}),
    ...(draft.umask !== undefined ? { umask: draft.umask } : {}),
    ...(draft.nice !== undefined ? { nice: draft.nice } : {}),
    rlimits: draft.rlimits ?? NO_RLIMITS,
    type: draft.type ?? 'simple',
    ...(draft.pidFile !== undefined ? { pidFile: draft.pidFile } : {}),
    restart: draft.restart ?? 'on-failure',
    backoff: draft.backoff,
    stopSignal: draft.stopSignal ?? 'SIGTERM',
    stopTimeoutMs: draft.stopTimeoutMs ?? 10_000,
    ...(draft.killMode !== undefined ? { killMode: draft.killMode } : {}),
    ...(Object.keys(draft.limitValues).length > 0 ? { limits: draft.limitValues } : {}),
    reloadSignal: draft.reloadSignal ?? 'SIGHUP',
    ready: draft.ready ?? READY_AT_ONCE,
    startTimeoutMs: draft.startTimeoutMs ?? 30_000,
    listen: draft.listen ?? NO_NAMES,
    activation: draft.activation ?? 'start',
    ...(pool ? { pool } : {}),
    ...(timer ? { timer } : {}),
    runlevels: draft.runlevels ?? DEFAULT_RUNLEVELS,
    requires: draft.requires ?? NO_NAMES,
    after: draft.after ?? NO_NAMES,
    before: draft.before ?? NO_NAMES,
    provides: draft.provides ?? NO_NAMES,
    log: draft.log,
    ...(draft.onLogFull !== undefined ? { onLogFull: draft.onLogFull } : {}),
  };
  // Kept per service file by the cache: the usual none is one shared array, not two per file.
  return { definition, errors: NO_PROBLEMS, warnings: c.warnings.length > 0 ? c.warnings : NO_PROBLEMS };
}

function findKeyLinesSafe(text: string) {
  try {
    return findKeyLines(text);
  } catch {
    return { lineOf: () => undefined };
  }
}
