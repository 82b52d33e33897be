/**
 * `$VAR` and `${VAR}` in a command's arguments, replaced when it starts, by
 * systemd's rules for Exec lines. A leaf of the library (it imports
 * nothing): the supervisor expands these at every start, and must not load
 * the unit loader for it.
 */

/** systemd's WHITESPACE. */
const WS = ' \t\n\r';

/** Looks a variable up as systemd does: the last assignment wins. */
function lookup(env: ReadonlyMap<string, string>, name: string): string | undefined {
  return env.get(name);
}

/**
 * `${VAR}` inside a word is replaced by the value as is (unset: empty);
 * `$$` is a literal `$`; `$VAR` without braces, `${VAR:-x}` and an
 * unterminated `${` are left as they are (systemd's rules for Exec lines).
 */
export function replaceEnv(word: string, env: ReadonlyMap<string, string>): string {
  let out = '';
  let from = 0; // start of the text not yet copied
  let state: 'word' | 'dollar' | 'name' = 'word';
  for (let e = 0; e < word.length; e++) {
    const c = word[e]!;
    if (state === 'word') {
      if (c === '$') state = 'dollar';
    } else if (state === 'dollar') {
      if (c === '{') {
        out += word.slice(from, e - 1);
        from = e - 1;
        state = 'name';
      } else if (c === '$') {
        out += word.slice(from, e);
        from = e + 1;
        state = 'word';
      } else state = 'word';
    } else if (c === '}') {
      out += lookup(env, word.slice(from + 2, e)) ?? '';
      from = e + 1;
      state = 'word';
    } else if (c === ':') state = 'word';
  }
  return out + word.slice(from);
}

/** Splits a variable's value for a bare `$VAR` argument: whitespace separates, quotes group, nothing fails. */
function splitValue(value: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && i + 1 < value.length) cur += value[++i];
      else cur += c;
    } else if (WS.includes(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      inWord = true;
      if (c === "'" || c === '"') quote = c;
      else if (c === '\\') {
        if (i + 1 < value.length) cur += value[++i];
      } else cur += c;
    }
  }
  if (inWord || quote) words.push(cur);
  return words;
}

/**
 * Expands variables in argv at start, as systemd does: an argument that is
 * exactly `$VAR` becomes the variable's words (none if unset or empty); any
 * `${VAR}` elsewhere is replaced in place. Commands with the `:` prefix skip this.
 */
export function expandExecArgv(argv: readonly string[], env: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith('$') && arg[1] !== '{' && arg[1] !== '$' && arg.length > 1) {
      const value = lookup(env, arg.slice(1));
      if (value !== undefined) out.push(...splitValue(value));
      continue;
    }
    out.push(replaceEnv(arg, env));
  }
  return out;
}
