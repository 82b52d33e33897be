/**
 * Unit names: `prefix[@instance].type`. Templates (`getty@.service`) are
 * instantiated by putting something after the `@`; instance strings are
 * escaped so that paths and odd characters fit (`-` stands for `/`,
 * `\xNN` for anything else), which is what %i versus %I and `systemd-escape`
 * are about.
 */

export const UNIT_TYPES = ['service', 'socket', 'target', 'device', 'mount', 'automount', 'swap', 'timer', 'path', 'slice', 'scope'] as const;
export type UnitType = (typeof UNIT_TYPES)[number];

/** systemd refuses unit names of this length or more. */
export const UNIT_NAME_MAX = 256;

const DIGITS = '0123456789';
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const VALID_CHARS = `${DIGITS}${LETTERS}:-_.\\`;
const VALID_CHARS_WITH_AT = `@${VALID_CHARS}`;

export type UnitNameKind = 'plain' | 'instance' | 'template';

export function isUnitType(s: string): s is UnitType {
  return (UNIT_TYPES as readonly string[]).includes(s);
}

/** The kind of a valid unit name, or null when the name is not valid. */
export function classifyUnitName(name: string): UnitNameKind | null {
  if (name === '' || name.length >= UNIT_NAME_MAX) return null;
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || !isUnitType(name.slice(dot + 1))) return null;
  let at = -1;
  for (let i = 0; i < dot; i++) {
    const c = name[i]!;
    if (c === '@' && at < 0) at = i;
    if (!VALID_CHARS_WITH_AT.includes(c)) return null;
  }
  if (at === 0) return null;
  if (at < 0) return 'plain';
  return dot > at + 1 ? 'instance' : 'template';
}

export function isValidUnitName(name: string, kinds: readonly UnitNameKind[] = ['plain', 'instance', 'template']): boolean {
  const k = classifyUnitName(name);
  return k !== null && kinds.includes(k);
}

export interface UnitNameParts {
  /** Everything before the first `@` (or before the type suffix). */
  prefix: string;
  /** The part between `@` and the suffix; null for plain names, "" for templates. */
  instance: string | null;
  type: UnitType;
  kind: UnitNameKind;
}

export function parseUnitName(name: string): UnitNameParts | null {
  const kind = classifyUnitName(name);
  if (kind === null) return null;
  const dot = name.lastIndexOf('.');
  const at = name.indexOf('@');
  const type = name.slice(dot + 1) as UnitType;
  if (at < 0) return { prefix: name.slice(0, dot), instance: null, type, kind };
  return { prefix: name.slice(0, at), instance: name.slice(at + 1, dot), type, kind };
}

export function unitTypeOf(name: string): UnitType | null {
  return parseUnitName(name)?.type ?? null;
}

/** `foo@bar.service` → `foo@.service`; null if the name has no `@`. */
export function templateOf(name: string): string | null {
  const p = parseUnitName(name);
  if (!p || p.instance === null) return null;
  return `${p.prefix}@.${p.type}`;
}

/** `foo@.service` + `bar` → `foo@bar.service`; null when the result would not be a valid instance name. */
export function instantiate(template: string, instance: string): string | null {
  const p = parseUnitName(template);
  if (!p || p.instance === null || !isValidInstance(instance)) return null;
  const name = `${p.prefix}@${instance}.${p.type}`;
  return classifyUnitName(name) === 'instance' ? name : null;
}

export function isValidPrefix(s: string): boolean {
  return s !== '' && [...s].every((c) => VALID_CHARS.includes(c));
}

export function isValidInstance(s: string): boolean {
  return s !== '' && [...s].every((c) => VALID_CHARS_WITH_AT.includes(c));
}

/** `foo@bar.service` → `foo@bar` (the %N specifier). */
export function nameWithoutSuffix(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}

function escapeByte(b: number): string {
  return `\\x${b.toString(16).padStart(2, '0')}`;
}

/** systemd-escape: `/` becomes `-`, and `-`, `\`, a leading `.` and anything outside [A-Za-z0-9:_.] become `\xNN`. */
export function escapeUnitName(s: string): string {
  let out = '';
  const bytes = Buffer.from(s, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const c = String.fromCharCode(b);
    if (i === 0 && c === '.') out += escapeByte(b);
    else if (c === '/') out += '-';
    else if (b < 128 && VALID_CHARS.includes(c) && c !== '-' && c !== '\\') out += c;
    else out += escapeByte(b);
  }
  return out;
}

/** The reverse of escapeUnitName: `-` becomes `/`, `\xNN` a byte; null on a malformed escape. */
export function unescapeUnitName(s: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '-') bytes.push(47);
    else if (c === '\\') {
      if (s[i + 1] !== 'x') return null;
      const hex = s.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

function isNormalizedPath(p: string): boolean {
  if (p.includes('//') || p === '.' || p.startsWith('./') || p.endsWith('/.') || p.includes('/./')) return false;
  return !p.split('/').includes('..');
}

/** `systemd-escape --path`: `/var/lib/x` → `var-lib-x`, `/` → `-`; null for paths with `..` or similar. */
export function escapeUnitPath(path: string): string | null {
  const simple = path.replace(/\/+/g, '/').replace(/(^|\/)\.(?=\/|$)/g, '$1').replace(/\/+/g, '/');
  if (simple === '' || simple === '/') return '-';
  if (!isNormalizedPath(simple)) return null;
  return escapeUnitName(simple.replace(/^\/+/, '').replace(/\/+$/, ''));
}

/** `systemd-escape --unescape --path`: `var-lib-x` → `/var/lib/x`; null when it does not name a normalized path. */
export function unescapeUnitPath(s: string): string | null {
  if (s === '') return null;
  if (s === '-') return '/';
  const w = unescapeUnitName(s);
  if (w === null || w.startsWith('/') || w.endsWith('/')) return null;
  const p = `/${w}`;
  return isNormalizedPath(p) ? p : null;
}

/** Only these kinds may have alias symlinks and Alias= (systemd refuses the others). */
export function typeMayAlias(type: UnitType): boolean {
  return ['service', 'socket', 'target', 'device', 'timer', 'path'].includes(type);
}

/** Only these kinds may be templates. */
export function typeMayTemplate(type: UnitType): boolean {
  return ['service', 'socket', 'target', 'timer', 'path'].includes(type);
}
