/**
 * ExecStart= and the other command lines. The first word may carry prefixes:
 * `-` (failure is ignored), `@` (the second word becomes argv[0]), `:` (no
 * $VAR expansion), `+` (full privileges), `!` (sandboxed but no user
 * switch), `!!` (user switch only where ambient capabilities exist). Words
 * are split with systemd's quoting and C escapes; a lone `;` separates
 * commands and `\;` is a literal semicolon argument. `%` specifiers are
 * resolved at load; `$VAR` and `${VAR}` at start (exec-variables.ts).
 */
import { extractWordLenient, WHITESPACE } from './words.js';
import { expandSpecifiers, type SpecifierContext } from './specifiers.js';
import { simplifyPath } from './values.js';

export { expandExecArgv, replaceEnv } from './exec-variables.js';

export interface ExecCommand {
  /** The program: absolute path, or a bare name looked up in $PATH at start. */
  path: string;
  /** argv[0] included. With `@`, argv[0] is the word after the path. */
  argv: string[];
  /** `-`: a non-zero exit is not a failure. */
  ignoreFailure: boolean;
  /** `:`: no $VAR expansion. */
  noEnvExpand: boolean;
  /** `+`: runs with full privileges, no sandboxing, no user switch. */
  fullPrivileges: boolean;
  /** `!`: sandboxing applies, but not User=/Group=. */
  noSetuid: boolean;
  /** `!!`: like `!` only where the kernel lacks ambient capabilities. */
  ambientMagic: boolean;
}

export type ExecParse =
  | { ok: true; commands: ExecCommand[]; warnings: string[] }
  /** fatal: systemd would refuse to load the unit (unless `-` made it a warning, in which case commands are kept). */
  | { ok: false; message: string; fatal: boolean; commands: ExecCommand[]; warnings: string[] };

const UNSAFE = /["'\\\x00-\x1f\x7f]/;

function isValidFilename(p: string): boolean {
  return p !== '' && p !== '.' && p !== '..' && !p.includes('/') && p.length <= 255;
}

/** Parses one Exec*= value (possibly several `;`-separated commands). An empty value resets the list (the caller's job). */
export function parseExecLine(rvalue: string, ctx: SpecifierContext): ExecParse {
  const commands: ExecCommand[] = [];
  const warnings: string[] = [];
  const flags = { unquote: true, cunescape: true };
  let p: number | null = 0;
  let text = rvalue;
  let semicolon: boolean;
  const fail = (ignore: boolean, message: string): ExecParse =>
    ignore ? { ok: true, commands, warnings: [...warnings, message] } : { ok: false, message, fatal: true, commands, warnings };

  do {
    semicolon = false;
    const first = extractWordLenient(text, p, flags);
    if (first.kind === 'unbalanced') return { ok: false, message: `Unbalanced quoting, ignoring: "${text}"`, fatal: false, commands, warnings };
    if (first.kind === 'end') break;
    if (first.badEscape) warnings.push(`Ignoring unknown escape sequences: "${first.word}"`);
    p = first.next;
    if (first.word === ';') {
      semicolon = true;
      continue;
    }
    let f = first.word;
    const cmd: ExecCommand = { path: '', argv: [], ignoreFailure: false, noEnvExpand: false, fullPrivileges: false, noSetuid: false, ambientMagic: false };
    let separateArgv0 = false;
    for (;;) {
      const c = f[0];
      if (c === '-' && !cmd.ignoreFailure) cmd.ignoreFailure = true;
      else if (c === '@' && !separateArgv0) separateArgv0 = true;
      else if (c === ':' && !cmd.noEnvExpand) cmd.noEnvExpand = true;
      else if (c === '+' && !cmd.fullPrivileges && !cmd.noSetuid && !cmd.ambientMagic) cmd.fullPrivileges = true;
      else if (c === '!' && !cmd.fullPrivileges && !cmd.noSetuid && !cmd.ambientMagic) cmd.noSetuid = true;
      else if (c === '!' && !cmd.fullPrivileges && !cmd.ambientMagic) {
        cmd.noSetuid = false;
        cmd.ambientMagic = true;
      } else break;
      f = f.slice(1);
    }
    const ignore = cmd.ignoreFailure;
    const ign = ignore ? ', ignoring' : '';
    const resolved = expandSpecifiers(f, ctx, 'full', 4095);
    if (!resolved.ok) return fail(ignore, `Failed to resolve unit specifiers in '${f}'${ign}: ${resolved.message}`);
    const path = resolved.value;
    if (path === '') return fail(ignore, `Empty path in command line${ign}: '${text}'`);
    if (UNSAFE.test(path)) return fail(ignore, `Executable name contains special characters${ign}: ${path}`);
    if (path.endsWith('/')) return fail(ignore, `Executable path specifies a directory${ign}: ${path}`);
    if (!(path.startsWith('/') ? path.length < 4096 : isValidFilename(path))) return fail(ignore, `Neither a valid executable name nor an absolute path${ign}: ${path}`);
    if (!separateArgv0) cmd.argv.push(path);
    cmd.path = path.startsWith('/') ? simplifyPath(path) : path;

    while (p !== null && p < text.length) {
      // A lone ";" separates commands; "\;" is a literal ";" argument.
      if (text[p] === ';' && (p + 1 >= text.length || WHITESPACE.includes(text[p + 1]!))) {
        p++;
        while (p < text.length && WHITESPACE.includes(text[p]!)) p++;
        semicolon = true;
        break;
      }
      if (text[p] === '\\' && text[p + 1] === ';' && (p + 2 >= text.length || WHITESPACE.includes(text[p + 2]!))) {
        p += 2;
        while (p < text.length && WHITESPACE.includes(text[p]!)) p++;
        cmd.argv.push(';');
        continue;
      }
      const w = extractWordLenient(text, p, flags);
      if (w.kind === 'end') {
        p = null;
        break;
      }
      if (w.kind === 'unbalanced') {
        const message = `Unbalanced quoting, ignoring: "${text}"`;
        return ignore ? { ok: true, commands, warnings: [...warnings, message] } : { ok: false, message, fatal: true, commands, warnings };
      }
      if (w.badEscape) warnings.push(`Ignoring unknown escape sequences: "${w.word}"`);
      p = w.next;
      const arg = expandSpecifiers(w.word, ctx, 'full');
      if (!arg.ok) return fail(ignore, `Failed to resolve unit specifiers in ${w.word}${ign}: ${arg.message}`);
      cmd.argv.push(arg.value);
    }
    if (cmd.argv.length === 0) return fail(ignore, `Empty executable name or zeroeth argument${ign}: ${text}`);
    commands.push(cmd);
    if (p !== null) text = text.slice(p);
    p = p === null ? null : 0;
  } while (semicolon);
  return { ok: true, commands, warnings };
}

const NAME_CHARS = /[A-Za-z0-9_]/;

/** Whether a `$NAME` argument names a variable in the usual shape (for warnings about `$FOO/bar`, which systemd drops). */
export function isBareVariable(arg: string): boolean {
  return /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(arg) && [...arg.slice(1)].every((c) => NAME_CHARS.test(c));
}
