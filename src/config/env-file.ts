/**
 * environment_file contents: `KEY=VALUE` lines as written for systemd's
 * EnvironmentFile= and for dotenv. The file is read when the service starts, not
 * when the config loads, so secrets can be rotated without a reload; that is why
 * parsing never throws: a bad line is skipped and reported to whoever cares.
 *
 * Accepted: blank lines; `#` and `;` comment lines; an optional `export ` prefix;
 * spaces around `=`; unquoted values (trimmed, ` # comment` stripped);
 * 'single quoted' values taken literally; "double quoted" values with \n \t \r
 * \" \\ \$ escapes, which may span lines. Nothing is expanded.
 */

export interface EnvFileProblem {
  line: number;
  message: string;
}

export interface EnvFileResult {
  vars: Record<string, string>;
  problems: EnvFileProblem[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The variables of an environment file; malformed lines are skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  return parseEnvFileDetailed(text).vars;
}

export function parseEnvFileDetailed(text: string): EnvFileResult {
  const vars: Record<string, string> = {};
  const problems: EnvFileProblem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const body = line.startsWith('export ') ? line.slice(7).trimStart() : line;
    const eq = body.indexOf('=');
    if (eq < 0) {
      problems.push({ line: lineNo, message: `expected KEY=VALUE, got ${JSON.stringify(line)}` });
      continue;
    }
    const key = body.slice(0, eq).trim();
    if (!NAME.test(key)) {
      problems.push({ line: lineNo, message: `invalid variable name ${JSON.stringify(key)}` });
      continue;
    }
    let rest = body.slice(eq + 1).trimStart();
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0) {
        problems.push({ line: lineNo, message: `unterminated single quote in the value of "${key}"` });
        continue;
      }
      vars[key] = rest.slice(1, end);
      continue;
    }
    if (rest.startsWith('"')) {
      // A double-quoted value may continue on the following lines.
      let value = '';
      let pos = 1;
      let closed = false;
      let j = i;
      // Re-read from the raw line: trimming must not eat spaces inside the quotes.
      rest = lines[i]!.slice(lines[i]!.indexOf('"'));
      for (;;) {
        while (pos < rest.length) {
          const c = rest[pos]!;
          if (c === '"') {
            closed = true;
            break;
          }
          if (c === '\\' && pos + 1 < rest.length) {
            const e = rest[pos + 1]!;
            value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
            pos += 2;
            continue;
          }
          value += c;
          pos++;
        }
        if (closed || j + 1 >= lines.length) break;
        j++;
        value += '\n';
        rest = lines[j]!;
        pos = 0;
      }
      if (!closed) {
        problems.push({ line: lineNo, message: `unterminated double quote in the value of "${key}"` });
        break; // the rest of the file was swallowed by the open quote
      }
      vars[key] = value;
      i = j;
      continue;
    }
    // Unquoted: a `#` preceded by whitespace starts a comment, as in dotenv.
    const hash = rest.search(/\s#/);
    vars[key] = (hash >= 0 ? rest.slice(0, hash) : rest).trim();
  }
  return { vars, problems };
}
