/**
 * Whether a crontab line sets a variable, as Debian's cron decides it
 * (env.c, load_env): NAME = VALUE, with blanks allowed around the "=", either
 * side optionally in single or double quotes; the value loses its trailing
 * blanks (even inside quotes), then one more pair of matching quotes around
 * it. A line longer than MAX_ENV_LINE is cut there. Anything else on a line is read as a job — so "MAILTO="
 * (no value) and 'A="x" y' are jobs, and bad ones, as under cron.
 */

/** cron reads at most this much of a line when looking for a variable; the rest is dropped. */
export const MAX_ENV_LINE = 998;

// JavaScript's \s is wider than C's isspace, which is these six characters.
const isSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\v' || ch === '\f';

type State = 'nameStart' | 'name' | 'beforeEquals' | 'afterEquals' | 'valueStart' | 'value' | 'done' | 'error';

/** `line` starts at its first non-blank character. Returns [name, value], or undefined when the line is not a variable. */
export function parseEnvLine(whole: string): [string, string] | undefined {
  const line = whole.slice(0, MAX_ENV_LINE);
  let state: State = 'nameStart';
  let quote = '';
  let name = '';
  let value = '';
  let i = 0;
  const append = (ch: string) => {
    if (state === 'name') name += ch;
    else value += ch;
  };
  while (state !== 'error' && i < line.length) {
    const ch = line[i]!;
    switch (state) {
      case 'nameStart':
      case 'valueStart':
        if (ch === "'" || ch === '"') {
          quote = ch;
          i++;
        }
        state = state === 'nameStart' ? 'name' : 'value';
        break;
      case 'name':
      case 'value':
        if (quote) {
          if (ch === quote) {
            state = state === 'name' ? 'beforeEquals' : 'done';
            i++;
            break;
          }
          if (state === 'name' && ch === '=') {
            state = 'error';
            break;
          }
        } else if (state === 'name') {
          if (isSpace(ch)) {
            state = 'beforeEquals';
            i++;
            break;
          }
          if (ch === '=') {
            state = 'beforeEquals';
            break;
          }
        }
        append(ch);
        i++;
        break;
      case 'beforeEquals':
        if (ch === '=') {
          state = 'afterEquals';
          quote = '';
        } else if (!isSpace(ch)) {
          state = 'error';
        }
        i++;
        break;
      case 'afterEquals':
        if (isSpace(ch)) i++;
        else state = 'valueStart';
        break;
      case 'done':
        if (isSpace(ch)) i++;
        else state = 'error';
        break;
    }
  }
  if (state !== 'done' && !(state === 'value' && !quote)) return undefined;
  value = value.replace(/[ \t\n\r\v\f]+$/, '');
  if (value.length >= 2 && (value[0] === "'" || value[0] === '"') && value.endsWith(value[0])) value = value.slice(1, -1);
  return [name, value];
}
