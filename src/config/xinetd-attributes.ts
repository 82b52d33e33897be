import { didYouMean } from '../model/index.js';
import {
  DEFAULT_CPS, INETD_FLAGS, INETD_TYPES, LOG_FAILURE_ITEMS, LOG_SUCCESS_ITEMS,
  type InetdFlag, type InetdServiceDefinition, type InetdType, type LogFailureItem, type LogSuccessItem,
  type InetdLogType, type Origin, type Rlimits, type TimeInterval,
} from '../model/index.js';
import { parseAddressList } from './xinetd-address.js';
import { parseCount, parseLogType, parseRedirect, parseRlimit, parseTimes } from './xinetd-values.js';
import type { ServicesTable } from './etc-services.js';

/**
 * The attribute layer shared by every inetd-style format: xinetd.conf lines,
 * native TOML (converted to word lists first) and inetd.conf (built directly).
 * It keeps xinetd's rules: which attributes take +=/-=, which may appear in
 * defaults, that a repeated plain attribute only warns, that an unknown one
 * only warns, and that a bad value disables just its service.
 */

export type AssignOp = '=' | '+=' | '-=';

/** Number of values: n exactly, -1 any number, -2 any number and +=/-= allowed. */
const SERVICE_ATTRS: Record<string, number> = {
  socket_type: 1, protocol: 1, wait: 1, user: 1, group: 1, server: 1, server_args: -1,
  instances: 1, log_on_success: -2, log_on_failure: -2, log_type: -1, only_from: -2,
  no_access: -2, access_times: -1, type: -1, rpc_version: 1, rpc_number: 1, id: 1, env: -2,
  port: 1, passenv: -2, flags: -1, nice: 1, redirect: 2, banner: 1, bind: 1, interface: 1,
  per_source: 1, groups: 1, banner_success: 1, banner_fail: 1, cps: 2, disable: 1,
  max_load: 1, rlimit_as: 1, rlimit_cpu: 1, rlimit_data: 1, rlimit_rss: 1, rlimit_stack: 1,
  rlimit_files: 1, v6only: 1, deny_time: 1, umask: 1, mdns: 1, libwrap: 1,
};
const DEFAULT_ATTRS: Record<string, number> = {
  log_type: -2, log_on_success: -2, log_on_failure: -2, disabled: -2, no_access: -2,
  only_from: -2, instances: 1, passenv: -2, banner: 1, bind: 1, interface: 1, per_source: 1,
  groups: 1, banner_success: 1, banner_fail: 1, cps: 2, enabled: -2, max_load: 1, v6only: 1,
  umask: 1,
};
/** Filled into each service from defaults before its own lines are read (xinetd's fill_attribute). */
const PREFILLED = ['log_on_success', 'log_on_failure', 'only_from', 'no_access', 'passenv', 'access_times', 'banner', 'banner_success', 'banner_fail'];
/** Taken from defaults after the service is read, when the service did not set them. */
const INHERITED = ['instances', 'per_source', 'umask', 'cps', 'max_load', 'bind', 'log_type', 'groups'];
/** Each occurrence adds to the set rather than being "already set". */
const ACCUMULATE = new Set(['type', 'flags']);

export const XINETD_ATTRIBUTE_NAMES: readonly string[] = Object.keys(SERVICE_ATTRS);

export interface AttrValue {
  values: string[];
  line: number | undefined;
  /** Copied from defaults: the service may set it again without a warning. */
  inherited?: boolean;
}

export type AttrSet = Map<string, AttrValue>;

export interface Problem {
  level: 'warning' | 'error';
  message: string;
  line: number | undefined;
  key?: string;
}

export function canonicalAttribute(name: string): string {
  return name === 'interface' ? 'bind' : name;
}

/** Applies one `name op values` line to an entry; returns a problem to report, if any. */
export function assignAttribute(
  set: AttrSet,
  entry: 'service' | 'defaults',
  rawName: string,
  op: AssignOp,
  values: string[],
  line: number | undefined,
): Problem | undefined {
  const table = entry === 'service' ? SERVICE_ATTRS : DEFAULT_ATTRS;
  const count = table[rawName];
  if (count === undefined) {
    const hint = didYouMean(rawName, Object.keys(table));
    const what = entry === 'service' ? `unknown attribute "${rawName}"` : `attribute "${rawName}" cannot be used in defaults`;
    return { level: 'warning', message: `${what}, ignored${hint ? ` (${hint})` : ''}`, line, key: rawName };
  }
  const name = canonicalAttribute(rawName);
  const current = set.get(name);
  if (count !== -2) {
    if (op !== '=') return { level: 'warning', message: `operator "${op}" cannot be used with "${rawName}", line ignored`, line, key: rawName };
    if (count > 0 && values.length !== count) {
      return { level: 'error', message: `"${rawName}" expects ${count} value${count > 1 ? 's' : ''}, got ${values.length}: "${values.join(' ')}"`, line, key: rawName };
    }
    if (ACCUMULATE.has(name) && current) {
      set.set(name, { values: [...current.values, ...values], line });
      return undefined;
    }
    if (current && !current.inherited) return { level: 'warning', message: `"${rawName}" is already set, line ignored`, line, key: rawName };
    set.set(name, { values: [...values], line });
    return undefined;
  }
  // Modifiable lists: in defaults "=" accumulates, as in xinetd.
  if (name === 'env' && op === '-=') return { level: 'error', message: `operator "-=" is not supported for "env"`, line, key: rawName };
  const effective: AssignOp = entry === 'defaults' && op === '=' ? '+=' : op;
  const base = effective === '=' || !current ? [] : current.values;
  let next: string[];
  if (effective === '-=') next = base.filter((v) => !values.includes(v));
  else next = [...base, ...values.filter((v) => !base.includes(v))];
  set.set(name, { values: next, line });
  return undefined;
}

/** A new service entry with the defaults' modifiable lists already in it. */
export function newServiceAttrs(defaults: AttrSet | undefined): AttrSet {
  const set: AttrSet = new Map();
  if (!defaults) return set;
  for (const k of PREFILLED) {
    const v = defaults.get(k);
    if (v) set.set(k, { values: [...v.values], line: v.line, inherited: true });
  }
  return set;
}

export interface BuildContext {
  name: string;
  origin: Origin;
  description: string;
  defaultOn: boolean | undefined;
  defaults: AttrSet | undefined;
  services: ServicesTable;
  /** Ids listed in defaults' disabled / enabled. */
  disabledIds?: Set<string>;
  enabledIds?: Set<string>;
}

const YES_NO: Record<string, boolean> = { yes: true, no: false, true: true, false: false };
const RLIMIT_MAP: Record<string, keyof Rlimits> = {
  rlimit_as: 'as', rlimit_cpu: 'cpu', rlimit_data: 'data', rlimit_rss: 'rss', rlimit_stack: 'stack', rlimit_files: 'nofile',
};

/**
 * Turns one entry's attributes into the model. Every bad value is recorded in
 * `errors` (file:line) and makes the service disabled; the rest still loads.
 */
export function buildInetdDefinition(set: AttrSet, ctx: BuildContext): { def: InetdServiceDefinition; warnings: Problem[] } {
  const errors: string[] = [];
  const warnings: Problem[] = [];
  const file = ctx.origin.file;
  const get = (k: string): AttrValue | undefined => {
    const own = set.get(k);
    if (own) return own;
    if (INHERITED.includes(k)) return ctx.defaults?.get(k);
    return undefined;
  };
  const bad = (k: string, message: string): void => {
    const line = get(k)?.line ?? ctx.origin.line;
    errors.push(`${file}${line ? `:${line}` : ''}: service "${ctx.name}": ${message}`);
  };
  const one = (k: string): string | undefined => get(k)?.values[0];
  const bool = (k: string): boolean | undefined => {
    const v = one(k);
    if (v === undefined) return undefined;
    const b = YES_NO[v.toLowerCase()];
    if (b === undefined) bad(k, `"${k}" must be yes or no, got "${v}"`);
    return b;
  };

  const types: InetdType[] = [];
  for (const w of get('type')?.values ?? []) {
    const t = INETD_TYPES.find((x) => x.toLowerCase() === w.toLowerCase());
    if (!t) bad('type', `unknown type "${w}" (expected ${INETD_TYPES.join(', ')})`);
    else if (!types.includes(t)) types.push(t);
  }
  const flags: InetdFlag[] = [];
  for (const w of get('flags')?.values ?? []) {
    const f = INETD_FLAGS.find((x) => x.toLowerCase() === w.toLowerCase());
    if (!f) bad('flags', `unknown flag "${w}"`);
    else if (!flags.includes(f)) flags.push(f);
  }
  if (types.includes('RPC')) bad('type', 'RPC services are not supported');

  let socketType = one('socket_type');
  let protocol = one('protocol');
  if (socketType !== undefined && socketType !== 'stream' && socketType !== 'dgram') {
    bad('socket_type', `socket_type "${socketType}" is not supported (stream or dgram)`);
    socketType = undefined;
  }
  if (protocol !== undefined && protocol !== 'tcp' && protocol !== 'udp') {
    bad('protocol', `protocol "${protocol}" is not supported (tcp or udp)`);
    protocol = undefined;
  }
  if (!protocol && socketType) protocol = socketType === 'stream' ? 'tcp' : 'udp';
  if (!socketType && protocol) socketType = protocol === 'tcp' ? 'stream' : 'dgram';
  if (!socketType) {
    bad('socket_type', 'socket_type is required');
    socketType = 'stream';
    protocol = 'tcp';
  }
  if ((socketType === 'stream') !== (protocol === 'tcp')) bad('protocol', `socket_type "${socketType}" does not go with protocol "${protocol}"`);

  const wait = bool('wait');
  if (wait === undefined && !get('wait')) bad('wait', 'wait is required');

  const internal = types.includes('INTERNAL');
  const isMux = types.includes('TCPMUX') || types.includes('TCPMUXPLUS');
  let port = 0;
  const portText = one('port');
  const listed = ctx.services.port(ctx.name, protocol!);
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) bad('port', `bad port "${portText}"`);
    else port = Number(portText);
    if (listed !== undefined && port && listed !== port && !types.includes('UNLISTED')) {
      warnings.push({ level: 'warning', message: `service "${ctx.name}": port ${port} differs from /etc/services (${listed})`, line: get('port')?.line, key: 'port' });
    }
  } else if (!isMux) {
    if (types.includes('UNLISTED')) bad('port', 'an UNLISTED service must have a port');
    else if (listed === undefined) bad('port', `no port given and "${ctx.name}/${protocol}" is not in /etc/services`);
    else port = listed;
  }

  const server = one('server');
  const redirectWords = get('redirect')?.values;
  let redirect: InetdServiceDefinition['redirect'];
  if (redirectWords) {
    const r = parseRedirect(redirectWords, ctx.services);
    if (typeof r === 'string') bad('redirect', r);
    else redirect = r;
    // xinetd's check_entry: a relay is one connection to one connection, with no program to name.
    if (socketType !== 'stream') bad('redirect', 'redirect works only for stream (tcp) services');
    if (wait === true) bad('redirect', 'a redirected service must not wait (wait = no)');
    if (flags.includes('NAMEINARGS')) bad('redirect', 'a redirected service cannot have the NAMEINARGS flag');
  }
  if (!internal && !redirect && !server) bad('server', 'server is required (or type = INTERNAL, or redirect)');
  if (!internal && ctx.origin.format === 'xinetd' && one('user') === undefined) {
    warnings.push({
      level: 'warning',
      message: `service "${ctx.name}": no "user": xinetd disables such a service; hearth runs its server as hearthd's own user`,
      line: ctx.origin.line,
      key: 'user',
    });
  }
  if (server !== undefined && !server.startsWith('/')) bad('server', `server "${server}" must be an absolute path`);
  if (internal && !['echo', 'discard', 'chargen', 'daytime', 'time', 'tcpmux', 'servers', 'services'].includes(ctx.name)) {
    bad('type', `"${ctx.name}" is not an internal service (echo, discard, chargen, daytime, time, tcpmux)`);
  }

  const serverArgs = [...(get('server_args')?.values ?? [])];
  if (flags.includes('NAMEINARGS') && serverArgs.length === 0 && !internal && !redirect) bad('server_args', 'NAMEINARGS needs the program name as the first server_args word');

  const env: Record<string, string> = {};
  for (const w of get('env')?.values ?? []) {
    const eq = w.indexOf('=');
    if (eq <= 0) bad('env', `env entry "${w}" has no "="`);
    else env[w.slice(0, eq)] = w.slice(eq + 1);
  }
  const passenvValues = get('passenv')?.values;

  const intOf = (k: string, min: number, max: number): number | undefined => {
    const v = one(k);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      bad(k, `"${k}" must be a whole number from ${min} to ${max}, got "${v}"`);
      return undefined;
    }
    return Number(v);
  };
  const limitOf = (k: string): number | undefined => {
    const v = one(k);
    if (v === undefined) return undefined;
    const n = parseCount(v);
    if (n === undefined) bad(k, `"${k}" must be a number or UNLIMITED, got "${v}"`);
    return n === 'unlimited' ? undefined : n;
  };
  const nice = intOf('nice', -20, 19);
  const instances = limitOf('instances');
  const perSource = limitOf('per_source');
  let umask: number | undefined;
  const umaskText = one('umask');
  if (umaskText !== undefined) {
    if (!/^[0-7]{1,4}$/.test(umaskText)) bad('umask', `umask must be octal, got "${umaskText}"`);
    else umask = parseInt(umaskText, 8);
  }
  const rlimits: Rlimits = {};
  for (const [attr, key] of Object.entries(RLIMIT_MAP)) {
    const v = one(attr);
    if (v === undefined) continue;
    const r = parseRlimit(v);
    if (!r) bad(attr, `"${attr}" must be a number (K/M suffix allowed) or UNLIMITED, got "${v}"`);
    else rlimits[key] = r;
  }

  const addresses = (k: string) => {
    const a = get(k);
    if (!a) return undefined;
    const r = parseAddressList(a.values);
    if (typeof r === 'string') {
      bad(k, r);
      return undefined;
    }
    return r;
  };
  const onlyFrom = addresses('only_from');
  const noAccess = addresses('no_access');
  let accessTimes: TimeInterval[] | undefined;
  const at = get('access_times');
  if (at) {
    const r = parseTimes(at.values);
    if (typeof r === 'string') bad('access_times', r);
    else accessTimes = r;
  }

  let cps: { rate: number; pauseSeconds: number } = { ...DEFAULT_CPS };
  const cpsWords = get('cps')?.values;
  if (cpsWords) {
    const [a, b] = cpsWords;
    if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) bad('cps', `cps must be "connections seconds", got "${cpsWords.join(' ')}"`);
    else cps = { rate: Number(a), pauseSeconds: Number(b) };
  }
  let maxLoad: number | undefined;
  const ml = one('max_load');
  if (ml !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(ml)) bad('max_load', `max_load must be a number, got "${ml}"`);
    else maxLoad = Number(ml);
  }

  const logItems = <T extends string>(k: string, allowed: readonly T[]): T[] => {
    const out: T[] = [];
    for (const w of get(k)?.values ?? []) {
      const item = allowed.find((x) => x === w.toUpperCase());
      if (!item) bad(k, `unknown ${k} item "${w}" (expected ${allowed.join(' ')})`);
      else if (!out.includes(item)) out.push(item);
    }
    return out;
  };
  const logOnSuccess = logItems<LogSuccessItem>('log_on_success', LOG_SUCCESS_ITEMS);
  const logOnFailure = logItems<LogFailureItem>('log_on_failure', LOG_FAILURE_ITEMS);
  // xinetd's check_entry disables a service that asks for TRAFFIC without relaying anything.
  if (logOnSuccess.includes('TRAFFIC') && !redirect && !redirectWords) bad('log_on_success', 'TRAFFIC is logged only for redirected services');
  let logType: InetdLogType | undefined;
  const logTypeWords = get('log_type')?.values;
  if (logTypeWords) {
    const t = parseLogType(logTypeWords);
    if (typeof t === 'string') bad('log_type', t);
    else logType = t;
  }

  const groups = bool('groups');
  for (const k of ['v6only', 'mdns']) bool(k);
  const id = one('id') ?? ctx.name;
  const disable = bool('disable') ?? false;
  let disabled = disable || errors.length > 0;
  if (ctx.disabledIds?.has(id)) disabled = true;
  if (ctx.enabledIds && ctx.enabledIds.size > 0 && !ctx.enabledIds.has(id)) disabled = true;

  const def: InetdServiceDefinition = {
    name: ctx.name,
    id,
    description: ctx.description,
    ...(ctx.defaultOn !== undefined ? { defaultOn: ctx.defaultOn } : {}),
    origin: ctx.origin,
    disabled,
    errors,
    types,
    flags,
    socketType: socketType as 'stream' | 'dgram',
    protocol: protocol as 'tcp' | 'udp',
    port,
    ...(one('bind') !== undefined ? { bind: one('bind') } : {}),
    wait: wait ?? (protocol === 'udp'),
    ...(one('user') !== undefined ? { user: one('user') } : {}),
    ...(one('group') !== undefined ? { group: one('group') } : {}),
    ...(groups !== undefined ? { groups } : {}),
    ...(server !== undefined ? { server } : {}),
    serverArgs,
    env,
    ...(passenvValues ? { passenv: [...passenvValues] } : {}),
    ...(nice !== undefined ? { nice } : {}),
    ...(umask !== undefined ? { umask } : {}),
    rlimits,
    ...(onlyFrom !== undefined ? { onlyFrom } : {}),
    ...(noAccess !== undefined ? { noAccess } : {}),
    ...(accessTimes !== undefined ? { accessTimes } : {}),
    ...(instances !== undefined ? { instances } : {}),
    ...(perSource !== undefined ? { perSource } : {}),
    cps,
    ...(maxLoad !== undefined ? { maxLoad } : {}),
    ...(logType ? { logType } : {}),
    logOnSuccess,
    logOnFailure,
    ...(one('banner') !== undefined ? { banner: one('banner') } : {}),
    ...(one('banner_success') !== undefined ? { bannerSuccess: one('banner_success') } : {}),
    ...(one('banner_fail') !== undefined ? { bannerFail: one('banner_fail') } : {}),
    ...(redirect ? { redirect } : {}),
  };
  return { def, warnings };
}
