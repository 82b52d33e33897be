/**
 * Environment= values, with systemd's rules: words split with quotes and C
 * escapes, each `NAME=value`; specifiers resolved; a word that is not a
 * valid assignment is skipped with systemd's warning. EnvironmentFile=
 * contents are read by environment-file.ts.
 */
import { extractFirstWord } from './words.js';
import { expandSpecifiers, type SpecifierContext } from './specifiers.js';
import { isValidEnvName } from './environment-file.js';

export { parseEnvironmentFile, isValidEnvName, type EnvironmentFileParse } from './environment-file.js';

export interface EnvironmentParse {
  assignments: Array<[string, string]>;
  warnings: string[];
}

/** One Environment= line. An empty value (which resets the list) is the caller's business. */
export function parseEnvironmentLine(rvalue: string, ctx: SpecifierContext): EnvironmentParse {
  const assignments: Array<[string, string]> = [];
  const warnings: string[] = [];
  let p: number | null = 0;
  for (;;) {
    const r = extractFirstWord(rvalue, p, undefined, { cunescape: true, unquote: true });
    if (!r.ok) {
      warnings.push(`Invalid syntax, ignoring: ${rvalue}`);
      return { assignments, warnings };
    }
    if (r.word === null) return { assignments, warnings };
    p = r.next;
    const resolved = expandSpecifiers(r.word, ctx, 'full');
    if (!resolved.ok) {
      warnings.push(`Failed to resolve specifiers in ${r.word}, ignoring: ${resolved.message}`);
      continue;
    }
    const eq = resolved.value.indexOf('=');
    if (eq < 0 || !isValidEnvName(resolved.value.slice(0, eq))) {
      warnings.push(`Invalid environment assignment, ignoring: ${resolved.value}`);
      continue;
    }
    assignments.push([resolved.value.slice(0, eq), resolved.value.slice(eq + 1)]);
  }
}

/** Applies assignments in order onto a base environment (later wins). */
export function mergeEnvironment(base: ReadonlyMap<string, string>, ...layers: Array<Iterable<[string, string]>>): Map<string, string> {
  const out = new Map(base);
  for (const layer of layers) for (const [k, v] of layer) out.set(k, v);
  return out;
}
