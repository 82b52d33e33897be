/**
 * EnvironmentFile= contents, with systemd's rules: systemd's own format (not
 * a shell): `KEY=value` lines, `#`/`;` comments at the start of a line only,
 * values trimmed at the end unless quoted, `'…'` literal, `"…"` with
 * backslash escapes for `"\`$` and a kept backslash before anything else, a
 * backslash-newline joins lines. There is no `export` keyword: `export
 * FOO=1` is an invalid name and is skipped, as under systemd.
 *
 * A leaf of the library (it imports nothing): the supervisor reads these
 * files when a service starts, and must not load the unit loader for it.
 */

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isValidEnvName(name: string): boolean {
  return NAME.test(name);
}

export interface EnvironmentFileParse {
  /** In file order; later assignments of the same name win when applied. */
  vars: Array<[string, string]>;
  /** Assignments with invalid names, skipped ("Ignoring invalid environment assignment"). */
  invalid: Array<{ line: number; text: string }>;
}

const WS = ' \t\n\r';
const NEWLINE = '\n\r';
const SHELL_NEED_ESCAPE = '"\\`$';

/** Parses an environment file's text. */
export function parseEnvironmentFile(text: string): EnvironmentFileParse {
  const vars: Array<[string, string]> = [];
  const invalid: Array<{ line: number; text: string }> = [];
  type State = 'preKey' | 'key' | 'preValue' | 'value' | 'valueEscape' | 'single' | 'double' | 'doubleEscape' | 'comment' | 'commentEscape';
  let state: State = 'preKey';
  let key = '';
  let value: string | null = null;
  let line = 1;
  let lastKeyWs = -1;
  let lastValueWs = -1;

  const push = () => {
    const k = lastKeyWs >= 0 ? key.slice(0, lastKeyWs) : key;
    const v = value ?? '';
    if (isValidEnvName(k)) vars.push([k, v]);
    else invalid.push({ line, text: `${k}=${v}` });
    key = '';
    value = null;
  };
  const addValue = (c: string) => {
    value = (value ?? '') + c;
  };

  for (const c of text) {
    switch (state) {
      case 'preKey':
        if (c === '#' || c === ';') state = 'comment';
        else if (!WS.includes(c)) {
          state = 'key';
          lastKeyWs = -1;
          key += c;
        }
        break;
      case 'key':
        if (NEWLINE.includes(c)) {
          state = 'preKey';
          line++;
          key = '';
        } else if (c === '=') {
          state = 'preValue';
          lastValueWs = -1;
        } else {
          if (!WS.includes(c)) lastKeyWs = -1;
          else if (lastKeyWs < 0) lastKeyWs = key.length;
          key += c;
        }
        break;
      case 'preValue':
        if (NEWLINE.includes(c)) {
          state = 'preKey';
          line++;
          push();
        } else if (c === "'") state = 'single';
        else if (c === '"') state = 'double';
        else if (c === '\\') state = 'valueEscape';
        else if (!WS.includes(c)) {
          state = 'value';
          addValue(c);
        }
        break;
      case 'value':
        if (NEWLINE.includes(c)) {
          state = 'preKey';
          line++;
          if (lastValueWs >= 0 && value !== null) value = (value as string).slice(0, lastValueWs);
          push();
        } else if (c === '\\') {
          state = 'valueEscape';
          lastValueWs = -1;
        } else {
          if (!WS.includes(c)) lastValueWs = -1;
          else if (lastValueWs < 0) lastValueWs = (value ?? '').length;
          addValue(c);
        }
        break;
      case 'valueEscape':
        state = 'value';
        if (!NEWLINE.includes(c)) addValue(c);
        break;
      case 'single':
        if (c === "'") state = 'preValue';
        else addValue(c);
        break;
      case 'double':
        if (c === '"') state = 'preValue';
        else if (c === '\\') state = 'doubleEscape';
        else addValue(c);
        break;
      case 'doubleEscape':
        state = 'double';
        if (SHELL_NEED_ESCAPE.includes(c)) addValue(c);
        else if (c !== '\n') addValue(`\\${c}`);
        break;
      case 'comment':
        if (c === '\\') state = 'commentEscape';
        else if (NEWLINE.includes(c)) {
          state = 'preKey';
          line++;
        }
        break;
      case 'commentEscape':
        state = 'comment';
        break;
    }
  }
  if (['preValue', 'value', 'valueEscape', 'single', 'double', 'doubleEscape'].includes(state)) {
    if (state === 'value' && lastValueWs >= 0 && value !== null) value = (value as string).slice(0, lastValueWs);
    push();
  }
  return { vars, invalid };
}
