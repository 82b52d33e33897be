import { HearthError } from '../errors/index.js';

/** smol-toml's error carries line and column; keep the first line of its message. */
export function tomlSyntaxError(file: string, e: unknown): HearthError {
  const err = e as { line?: number; column?: number; message?: string };
  const first = (err.message ?? String(e)).split('\n')[0]!.replace(/^Invalid TOML document: /, '');
  return new HearthError('ERR_CONFIG_SYNTAX', `TOML syntax error: ${first}${err.column ? ` (column ${err.column})` : ''}`, {
    file,
    ...(err.line ? { line: err.line } : {}),
    cause: e,
  });
}
