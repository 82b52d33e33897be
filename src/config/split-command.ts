/**
 * Splits `exec = "nginx -g 'daemon off;'"` into argv the way sh would tokenise
 * it, but without running a shell: quotes and backslashes are honoured, nothing
 * is expanded ($VAR, globs, ~), and operators such as `|` or `>` stay plain
 * words. A shell in between would hide the real main pid and eat signals, which
 * is exactly what a supervisor must not allow.
 */

export interface SplitResult {
  argv: string[];
  /**
   * Unquoted words that a reader might expect a shell to act on (`|`, `&&`,
   * `>file`, `$HOME`, `*.log`, `~`). They are passed through literally; the
   * loader warns about them.
   */
  shellish: string[];
}

export class SplitCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SplitCommandError';
  }
}

/** Characters that, unquoted, mean something to sh but nothing here. */
const SHELLISH = /^(?:\||\|\||&&?|;;?|[<>]|>>|\d?>&?\d?|2>&1)$|^[<>]|\$[A-Za-z_{(]|[*?]|^~|`/;

/** argv for a command line; throws SplitCommandError on unterminated quotes or a trailing backslash. */
export function splitCommand(text: string): string[] {
  return splitCommandDetailed(text).argv;
}

export function splitCommandDetailed(text: string): SplitResult {
  const argv: string[] = [];
  const shellish: string[] = [];
  let word = '';
  let inWord = false;
  // Only the unquoted parts of a word can be mistaken for shell syntax.
  let unquoted = '';
  let i = 0;

  const finish = (): void => {
    if (!inWord) return;
    argv.push(word);
    if (unquoted !== '' && SHELLISH.test(unquoted)) shellish.push(word);
    word = '';
    unquoted = '';
    inWord = false;
  };

  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      finish();
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new SplitCommandError(`unterminated single quote at column ${i + 1}`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      const start = i;
      i++;
      for (;;) {
        if (i >= text.length) throw new SplitCommandError(`unterminated double quote at column ${start + 1}`);
        const d = text[i]!;
        if (d === '"') break;
        if (d === '\\') {
          const next = text[i + 1];
          // Inside double quotes sh gives backslash a meaning only before these.
          if (next === '"' || next === '\\' || next === '$' || next === '`') {
            word += next;
            i += 2;
            continue;
          }
          if (next === '\n') {
            i += 2;
            continue;
          }
        }
        word += d;
        i++;
      }
      inWord = true;
      i++;
    } else if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) throw new SplitCommandError('trailing backslash at the end of the command');
      i += 2;
      if (next === '\n') continue; // line continuation
      word += next;
      inWord = true;
    } else {
      word += c;
      unquoted += c;
      inWord = true;
      i++;
    }
  }
  finish();
  return { argv, shellish };
}
