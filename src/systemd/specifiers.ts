/**
 * `%` specifiers in unit files (systemd.unit(5), "Specifiers"). Which
 * letters are allowed depends on where the text is: dependency lists get the
 * name-safe subset, most settings the full table, [Install] its own variant
 * that knows DefaultInstance=. An unknown letter or digit is an error ("Invalid
 * slot" in systemd's words); any other character after `%` is kept as is.
 *
 * Facts about the host (hostname, machine id…) come in as data, so loading
 * is repeatable and testable; `readHostFacts()` gathers them from this machine.
 */
import { parseUnitName, unescapeUnitName, unescapeUnitPath, nameWithoutSuffix, UNIT_NAME_MAX } from './unit-name.js';

export interface HostFacts {
  hostname: string;
  /** /etc/machine-info PRETTY_HOSTNAME, if set. */
  prettyHostname?: string;
  /** 32 lowercase hex digits, as in /etc/machine-id. */
  machineId: string;
  /** 32 lowercase hex digits. */
  bootId: string;
  /** systemd's architecture name: x86-64, arm64, x86, arm … */
  architecture: string;
  kernelRelease: string;
  /** /etc/os-release fields (ID, VERSION_ID, BUILD_ID, VARIANT_ID, IMAGE_ID, IMAGE_VERSION). */
  osRelease: Record<string, string>;
  /** The user the manager runs as: root for a system manager, which is what systemd uses for %u, %U, %h, %s, %g, %G. */
  user: { name: string; uid: number; group: string; gid: number; home: string; shell: string };
  /** Roots of the per-unit directories: /run, /var/lib, /var/cache, /var/log, /etc for a system manager. */
  dirs: { runtime: string; state: string; cache: string; logs: string; config: string };
  tmpDir: string;
  varTmpDir: string;
}

/** The facts of a typical system manager, with placeholders for the per-host identifiers. */
export const SYSTEM_HOST_DEFAULTS: HostFacts = {
  hostname: 'localhost',
  machineId: '0'.repeat(32),
  bootId: '0'.repeat(32),
  architecture: 'x86-64',
  kernelRelease: '',
  osRelease: {},
  user: { name: 'root', uid: 0, group: 'root', gid: 0, home: '/root', shell: '/bin/sh' },
  dirs: { runtime: '/run', state: '/var/lib', cache: '/var/cache', logs: '/var/log', config: '/etc' },
  tmpDir: '/tmp',
  varTmpDir: '/var/tmp',
};

/** Which table applies: see the file comment. */
export type SpecifierTable = 'name' | 'full' | 'install';

export interface SpecifierContext {
  /** The unit's name; for an instance, the instance name (foo@bar.service). */
  unitName: string;
  host: HostFacts;
  /** Where the unit's file is, for %y and %Y. */
  fragmentPath?: string;
  /** For the 'install' table: the template's DefaultInstance=. */
  defaultInstance?: string;
}

export type SpecifierResult = { ok: true; value: string } | { ok: false; message: string };

/** The specifiers hearth resolves differently from systemd, with why (docs/systemd.md lists them too). */
export const APPROXIMATED_SPECIFIERS: Record<string, string> = {
  c: 'cgroup path: hearth answers /system.slice/UNIT, where systemd would place it (deprecated in systemd)',
  r: 'slice cgroup path: hearth answers /system.slice (deprecated in systemd)',
  R: 'cgroup root: hearth answers / (deprecated in systemd)',
  d: 'credentials directory: hearth names $RUNTIME/credentials/UNIT as systemd does, but does not fill it',
};

type Lookup = (ctx: SpecifierContext) => string | null;

function prefixOf(ctx: SpecifierContext): string | null {
  return parseUnitName(ctx.unitName)?.prefix ?? null;
}

function lastComponent(ctx: SpecifierContext): string | null {
  const p = prefixOf(ctx);
  if (p === null) return null;
  const dash = p.lastIndexOf('-');
  return dash >= 0 ? p.slice(dash + 1) : p;
}

function instanceOf(ctx: SpecifierContext): string {
  return parseUnitName(ctx.unitName)?.instance ?? '';
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

const SYSTEM: Record<string, Lookup> = {
  a: (c) => c.host.architecture,
  A: (c) => c.host.osRelease['IMAGE_VERSION'] ?? '',
  b: (c) => c.host.bootId,
  B: (c) => c.host.osRelease['BUILD_ID'] ?? '',
  H: (c) => c.host.hostname,
  l: (c) => c.host.hostname.split('.')[0] ?? '',
  q: (c) => c.host.prettyHostname ?? c.host.hostname.split('.')[0] ?? '',
  m: (c) => c.host.machineId,
  M: (c) => c.host.osRelease['IMAGE_ID'] ?? '',
  o: (c) => c.host.osRelease['ID'] ?? '',
  v: (c) => c.host.kernelRelease,
  w: (c) => c.host.osRelease['VERSION_ID'] ?? '',
  W: (c) => c.host.osRelease['VARIANT_ID'] ?? '',
};

const CREDS: Record<string, Lookup> = {
  g: (c) => c.host.user.group,
  G: (c) => String(c.host.user.gid),
  u: (c) => c.host.user.name,
  U: (c) => String(c.host.user.uid),
};

const NAME: Record<string, Lookup> = {
  i: (c) => instanceOf(c),
  j: lastComponent,
  n: (c) => c.unitName,
  N: (c) => nameWithoutSuffix(c.unitName),
  p: prefixOf,
};

const FULL: Record<string, Lookup> = {
  ...NAME,
  I: (c) => unescapeUnitName(instanceOf(c)),
  J: (c) => {
    const j = lastComponent(c);
    return j === null ? null : unescapeUnitName(j);
  },
  P: (c) => {
    const p = prefixOf(c);
    return p === null ? null : unescapeUnitName(p);
  },
  f: (c) => {
    const inst = parseUnitName(c.unitName)?.instance;
    if (inst) return unescapeUnitPath(inst);
    const p = prefixOf(c);
    return p === null ? null : unescapeUnitPath(p);
  },
  y: (c) => c.fragmentPath ?? '',
  Y: (c) => (c.fragmentPath ? dirname(c.fragmentPath) : ''),
  c: (c) => `/system.slice/${c.unitName}`,
  r: () => '/system.slice',
  R: () => '/',
  C: (c) => c.host.dirs.cache,
  d: (c) => `${c.host.dirs.runtime}/credentials/${c.unitName}`,
  E: (c) => c.host.dirs.config,
  L: (c) => c.host.dirs.logs,
  S: (c) => c.host.dirs.state,
  t: (c) => c.host.dirs.runtime,
  h: (c) => c.host.user.home,
  s: (c) => c.host.user.shell,
  T: (c) => c.host.tmpDir,
  V: (c) => c.host.varTmpDir,
};

const INSTALL: Record<string, Lookup> = {
  i: (c) => instanceOf(c) || (c.defaultInstance ?? ''),
  j: lastComponent,
  n: (c) => {
    const p = parseUnitName(c.unitName);
    if (p?.kind === 'template' && c.defaultInstance) return `${p.prefix}@${c.defaultInstance}.${p.type}`;
    return c.unitName;
  },
  N: (c) => {
    const base = nameWithoutSuffix(c.unitName);
    return base.endsWith('@') && c.defaultInstance ? base + c.defaultInstance : base;
  },
  p: prefixOf,
};

const TABLES: Record<SpecifierTable, Record<string, Lookup>> = {
  name: { ...NAME, ...SYSTEM, ...CREDS },
  full: { ...FULL, ...SYSTEM, ...CREDS },
  install: { ...INSTALL, ...SYSTEM, ...CREDS },
};

/** Longest results systemd allows: unit names for the name tables, 1 MiB otherwise. */
const MAX_LENGTH: Record<SpecifierTable, number> = { name: UNIT_NAME_MAX, full: 1024 * 1024, install: UNIT_NAME_MAX };

const ALPHANUMERIC = /[A-Za-z0-9]/;

/** Replaces the specifiers in text. Fails on an unknown letter or digit, or an unresolvable value (as systemd does). */
export function expandSpecifiers(text: string, ctx: SpecifierContext, table: SpecifierTable = 'full', maxLength?: number): SpecifierResult {
  const lookups = TABLES[table];
  const limit = maxLength ?? MAX_LENGTH[table];
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '%') {
      out += ch;
    } else if (i + 1 >= text.length) {
      out += '%';
    } else {
      const s = text[++i]!;
      if (s === '%') out += '%';
      else {
        const lookup = lookups[s];
        if (lookup) {
          const v = lookup(ctx);
          if (v === null) return { ok: false, message: 'Invalid argument' };
          out += v;
        } else if (ALPHANUMERIC.test(s)) {
          return { ok: false, message: 'Invalid slot' };
        } else {
          out += `%${s}`;
        }
      }
    }
    if (out.length > limit) return { ok: false, message: 'File name too long' };
  }
  return { ok: true, value: out };
}

/** Doubles every `%`, so a value survives expansion unchanged. */
export function escapeSpecifiers(s: string): string {
  return s.replace(/%/g, '%%');
}
