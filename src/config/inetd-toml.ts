import { HearthError } from '../errors/index.js';
import type { InetdServiceDefinition } from '../model/index.js';
import type { ServicesTable } from './etc-services.js';
import { assignAttribute, buildInetdDefinition, type AttrSet } from './xinetd-attributes.js';

/** Keys of a native file that are hearth's, not xinetd attributes. */
const OWN_KEYS = new Set(['type', 'description', 'inetd_type', 'default', 'name']);
/** String values of these are word lists, split on blanks as xinetd would. */
const WORD_LISTS = new Set([
  'only_from', 'no_access', 'log_on_success', 'log_on_failure', 'passenv', 'flags',
  'access_times', 'server_args', 'redirect', 'cps', 'log_type', 'env',
]);

export interface InetdTomlResult {
  service: InetdServiceDefinition;
  warnings: HearthError[];
  errors: HearthError[];
}

function words(key: string, value: unknown): string[] | string {
  if (typeof value === 'boolean') return [value ? 'yes' : 'no'];
  if (typeof value === 'number' || typeof value === 'bigint') return [String(value)];
  if (typeof value === 'string') return WORD_LISTS.has(key) ? value.trim().split(/\s+/).filter(Boolean) : [value];
  if (Array.isArray(value)) {
    const out: string[] = [];
    for (const v of value) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') out.push(String(v));
      else return `"${key}" must be a list of strings or numbers`;
    }
    return out;
  }
  if (key === 'env' && value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`);
  }
  return `"${key}" has a value of the wrong type`;
}

/**
 * Turns an already-parsed native TOML service (`type = "inetd"`) into the
 * model. Keys are xinetd's attribute names; see src/model/inetd.ts for the
 * TOML spelling. lineOf(key) gives the line of a key for messages.
 */
export function parseInetdToml(
  name: string,
  file: string,
  doc: Record<string, unknown>,
  lineOf: (key: string) => number | undefined,
  services: ServicesTable,
): InetdTomlResult {
  const warnings: HearthError[] = [];
  const errors: HearthError[] = [];
  const attrs: AttrSet = new Map();
  let broken: string | undefined;
  for (const [key, value] of Object.entries(doc)) {
    if (OWN_KEYS.has(key) && key !== 'inetd_type') continue;
    const attr = key === 'inetd_type' ? 'type' : key;
    const w = words(attr, value);
    const line = lineOf(key);
    if (typeof w === 'string') {
      errors.push(new HearthError('ERR_CONFIG_VALUE', w, { file, ...(line ? { line } : {}), key }));
      broken ??= `${file}${line ? `:${line}` : ''}: ${w}`;
      continue;
    }
    const p = assignAttribute(attrs, 'service', attr, '=', w, line);
    if (p) {
      const e = new HearthError(p.level === 'warning' ? 'ERR_CONFIG_UNKNOWN_KEY' : 'ERR_CONFIG_VALUE', p.message, { file, ...(line ? { line } : {}), key });
      (p.level === 'warning' ? warnings : errors).push(e);
      if (p.level === 'error') broken ??= `${file}${line ? `:${line}` : ''}: ${p.message}`;
    }
  }
  const description = typeof doc.description === 'string' ? doc.description : '';
  const { def, warnings: w2 } = buildInetdDefinition(attrs, {
    name,
    origin: { format: 'toml', file, line: 1 },
    description,
    defaultOn: typeof doc.default === 'boolean' ? doc.default : undefined,
    defaults: undefined,
    services,
  });
  for (const p of w2) warnings.push(new HearthError('ERR_CONFIG_VALUE', p.message, { file, ...(p.line ? { line: p.line } : {}) }));
  if (broken) {
    def.errors.unshift(broken);
    def.disabled = true;
  }
  for (const msg of def.errors) {
    if (msg === broken) continue;
    const m = /^[^:]+:(\d+): (.*)$/.exec(msg);
    errors.push(new HearthError('ERR_CONFIG_VALUE', m ? m[2]! : msg, { file, ...(m ? { line: Number(m[1]) } : {}) }));
  }
  return { service: def, warnings, errors };
}
