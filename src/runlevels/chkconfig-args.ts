/**
 * chkconfig's command line, parsed the way Red Hat's chkconfig (popt) does:
 * options may come anywhere, `--opt=value` and `--opt value` both work, and
 * every mistake ends in the classic message and exit status 1.
 */
import { ALL_LEVELS, CHKCONFIG_DEFAULT_LEVELS, parseLevelString } from './levels.js';

export type ChkconfigType = 'any' | 'sysv' | 'xinetd';
export type ChkconfigState = 'on' | 'off' | 'reset' | 'resetpriorities';

export type ChkconfigAction =
  | { kind: 'list'; name?: string; type: ChkconfigType }
  | { kind: 'add' | 'del' | 'override'; name: string; type: ChkconfigType }
  /** Bare `chkconfig name`: answered by exit status only. */
  | { kind: 'query'; name: string; level?: number; type: ChkconfigType }
  | { kind: 'set'; name: string; state: ChkconfigState; levels: number[]; type: ChkconfigType }
  | { kind: 'help' }
  | { kind: 'version' };

export type ChkconfigParse =
  | { ok: true; action: ChkconfigAction }
  /** `usage` true means: print chkconfigUsage() to stderr; otherwise print `message`. Exit 1 either way. */
  | { ok: false; usage: boolean; message: string; exitCode: 1 };

const FLAGS = new Set(['add', 'del', 'override', 'no-redirect', 'list', 'help', 'version']);
const WITH_VALUE = new Set(['level', 'levels', 'type']);

function usageError(): ChkconfigParse {
  return { ok: false, usage: true, message: '', exitCode: 1 };
}

function fail(message: string): ChkconfigParse {
  return { ok: false, usage: false, message, exitCode: 1 };
}

function basename(name: string): string {
  const parts = name.split('/');
  return parts[parts.length - 1] ?? name;
}

/** @param argv the arguments after the program name */
export function parseChkconfigArgs(argv: readonly string[]): ChkconfigParse {
  const seen = new Set<string>();
  let levels: string | undefined;
  let typeString: string | undefined;
  const args: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h') {
      seen.add('help');
      continue;
    }
    if (a === '-v') {
      seen.add('version');
      continue;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (WITH_VALUE.has(name)) {
        let value: string | undefined;
        if (eq >= 0) value = a.slice(eq + 1);
        else if (i + 1 < argv.length) value = argv[++i];
        if (value === undefined) return fail(`${a}: missing argument`);
        if (name === 'type') typeString = value;
        else levels = value;
        continue;
      }
      if (FLAGS.has(name) && eq < 0) {
        seen.add(name);
        continue;
      }
      return fail(`${a}: unknown option`);
    }
    if (a.startsWith('-') && a.length > 1) return fail(`${a}: unknown option`);
    args.push(a);
  }

  if (seen.has('version')) return { ok: true, action: { kind: 'version' } };
  if (seen.has('help')) return { ok: true, action: { kind: 'help' } };

  let type: ChkconfigType = 'any';
  if (typeString !== undefined) {
    if (typeString === 'xinetd') type = 'xinetd';
    else if (typeString === 'sysv') type = 'sysv';
    else return fail("--type must be 'sysv' or 'xinetd'");
  }

  const modes = ['list', 'add', 'del', 'override'].filter((m) => seen.has(m));
  if (modes.length > 1) return fail('only one of --list, --add, --del, or --override may be specified');

  const mode = modes[0];
  if (mode === 'add' || mode === 'del' || mode === 'override') {
    const name = args[0];
    if (!name || args.length > 1) return usageError();
    return { ok: true, action: { kind: mode, name: basename(name), type } };
  }
  if (mode === 'list') {
    if (args.length > 1) return usageError();
    return { ok: true, action: args[0] ? { kind: 'list', name: args[0], type } : { kind: 'list', type } };
  }
  if (argv.length === 0) return { ok: true, action: { kind: 'list', type } };

  const [name, state] = args;
  if (!name) return usageError();
  let where: number[] | undefined;
  if (levels !== undefined) {
    where = parseLevelString(levels);
    if (!where) return usageError();
  }
  if (state === undefined) {
    if (where && where.length > 1) return fail('only one runlevel may be specified for a chkconfig query');
    return { ok: true, action: where ? { kind: 'query', name, level: where[0]!, type } : { kind: 'query', name, type } };
  }
  if (state === 'on' || state === 'off') {
    return { ok: true, action: { kind: 'set', name, state, levels: where ?? [...CHKCONFIG_DEFAULT_LEVELS], type } };
  }
  if (state === 'reset' || state === 'resetpriorities') {
    // Without --level, reset touches every level (chkconfig's rule), not just 2345.
    return { ok: true, action: { kind: 'set', name, state, levels: where ?? [...ALL_LEVELS], type } };
  }
  return usageError();
}

/**
 * chkconfig's answer to a command line it cannot parse (the usage or a
 * message on stderr, exit 1), or undefined when it parses. Pure, so the CLI
 * answers a bad line without hearthd and hearthd answers it the same way.
 */
export function chkconfigArgumentError(argv: readonly string[], version?: string): { stdout: string; stderr: string; exitCode: number } | undefined {
  const parsed = parseChkconfigArgs(argv);
  if (parsed.ok) return undefined;
  return { stdout: '', stderr: `${parsed.usage ? chkconfigUsage('chkconfig', version) : parsed.message}\n`, exitCode: parsed.exitCode };
}

/**
 * The usage text chkconfig prints to stderr (then exits 1). The synopsis lines
 * keep chkconfig's syntax, since scripts and people know it; the words around
 * them are hearth's own.
 */
export function chkconfigUsage(progname = 'chkconfig', version = '1.0'): string {
  return (
    `${progname} (hearth ${version}): which services start in which runlevel, in chkconfig's syntax.\n` +
    'Part of hearth, MIT licence.\n' +
    '\n' +
    `usage:   ${progname} [--list] [--type <type>] [name]\n` +
    `         ${progname} --add <name>\n` +
    `         ${progname} --del <name>\n` +
    `         ${progname} --override <name>\n` +
    `         ${progname} [--level <levels>] [--type <type>] <name> <on|off|reset|resetpriorities>\n`
  );
}
