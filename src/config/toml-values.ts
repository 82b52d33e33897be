/**
 * The shared vocabulary of the TOML loaders: where a key is (file, line), how
 * a bad value is reported, and small checked readers for the value shapes that
 * recur (integers in a range, durations, byte sizes, signals, name lists).
 * Readers report through the context and return undefined, so one bad key
 * never hides the next: a file's errors are all collected in one pass.
 */
import { constants as osConstants } from 'node:os';
import { isAbsolute } from 'node:path';
import { TomlDate } from 'smol-toml';
import { HearthError, type ErrorCode } from '../errors/index.js';
import { didYouMean, isValidServiceName, parseDuration } from '../model/index.js';
import type { KeyLines } from './key-lines.js';

export type KeyPath = readonly string[];

export class FieldContext {
  readonly errors: HearthError[] = [];
  readonly warnings: HearthError[] = [];

  constructor(
    readonly file: string,
    readonly lines: KeyLines,
  ) {}

  lineOf(path: KeyPath): number | undefined {
    return this.lines.lineOf(path);
  }

  error(path: KeyPath, message: string, hint?: string, code: ErrorCode = 'ERR_CONFIG_VALUE'): undefined {
    this.errors.push(this.make(code, path, message, hint));
    return undefined;
  }

  warn(path: KeyPath, message: string, hint?: string): void {
    this.warnings.push(this.make('ERR_CONFIG_VALUE', path, message, hint));
  }

  unknownKey(path: KeyPath, known: Iterable<string>): void {
    const key = path[path.length - 1]!;
    const where = path.length > 1 ? ` in [${path.slice(0, -1).join('.')}]` : '';
    this.error(path, `unknown key ${JSON.stringify(key)}${where}`, didYouMean(key, known), 'ERR_CONFIG_UNKNOWN_KEY');
  }

  private make(code: ErrorCode, path: KeyPath, message: string, hint: string | undefined): HearthError {
    const line = path.length > 0 ? this.lineOf(path) : undefined;
    return new HearthError(code, message, {
      file: this.file,
      ...(line !== undefined ? { line } : {}),
      ...(path.length > 0 ? { key: keyName(path) } : {}),
      ...(hint ? { hint } : {}),
    });
  }
}

/** `rlimits.nofile`, as a person would write it in the file. */
export function keyName(path: KeyPath): string {
  return path.map((p) => (/^[A-Za-z0-9_-]+$/.test(p) ? p : JSON.stringify(p))).join('.');
}

/** How a wrong value is shown after "got": quoted strings, bare numbers, a word for structures. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof TomlDate) return `the date ${v.toISOString()}`;
  if (Array.isArray(v)) {
    const json = safeJson(v);
    return json !== undefined && json.length <= 40 ? json : 'an array';
  }
  if (v !== null && typeof v === 'object') return 'a table';
  return String(v);
}

function safeJson(v: unknown): string | undefined {
  try {
    return JSON.stringify(v);
  } catch {
    return undefined;
  }
}

export function isTable(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof TomlDate);
}

function must(c: FieldContext, path: KeyPath, what: string, v: unknown, hint?: string): undefined {
  return c.error(path, `${JSON.stringify(keyName(path))} must be ${what}, got ${describeValue(v)}`, hint);
}

export function readString(c: FieldContext, path: KeyPath, v: unknown, opts: { nonEmpty?: boolean } = {}): string | undefined {
  if (typeof v !== 'string') return must(c, path, 'a string', v);
  if (opts.nonEmpty && v.trim() === '') return must(c, path, 'a non-empty string', v);
  return v;
}

export function readBoolean(c: FieldContext, path: KeyPath, v: unknown): boolean | undefined {
  if (typeof v !== 'boolean') return must(c, path, 'true or false', v);
  return v;
}

export function readInt(c: FieldContext, path: KeyPath, v: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): number | undefined {
  const ok = typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  if (ok) return v;
  const range = max === Number.MAX_SAFE_INTEGER ? (min === 0 ? 'a non-negative integer' : `an integer of at least ${min}`) : `an integer between ${min} and ${max}`;
  return must(c, path, range, v);
}

export function readOneOf<T extends string>(c: FieldContext, path: KeyPath, v: unknown, choices: readonly T[]): T | undefined {
  if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return v as T;
  const list = choices.map((x) => JSON.stringify(x)).join(', ');
  return must(c, path, `one of ${list}`, v, typeof v === 'string' ? didYouMean(v, choices) : undefined);
}

/** "500ms", "10s", "1h 30min", or a bare number of seconds. */
export function readDuration(c: FieldContext, path: KeyPath, v: unknown): number | undefined {
  const ms = typeof v === 'string' || typeof v === 'number' ? parseDuration(v) : undefined;
  if (ms !== undefined) return ms;
  return must(c, path, 'a duration such as "500ms", "10s" or "2min"', v);
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Bytes from "10M", "512K", "1.5G", "4096" or a number (binary multiples, as logrotate). */
export function parseSize(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(v) ?? /^\s*(\d+)\s*(b)\s*$/i.exec(v);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!);
}

export function readSize(c: FieldContext, path: KeyPath, v: unknown): number | undefined {
  const n = typeof v === 'string' || typeof v === 'number' ? parseSize(v) : undefined;
  if (n !== undefined) return n;
  return must(c, path, 'a size such as "10M", "512K" or a number of bytes', v);
}

const SIGNALS = osConstants.signals as Record<string, number>;

/** "TERM", "SIGTERM", "sigterm" or 15 → "SIGTERM"; undefined when no such signal exists here. */
export function parseSignal(v: string | number): NodeJS.Signals | undefined {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return undefined;
    const name = Object.keys(SIGNALS).find((k) => SIGNALS[k] === v);
    return name as NodeJS.Signals | undefined;
  }
  const s = v.trim().toUpperCase();
  if (/^\d+$/.test(s)) return parseSignal(Number(s));
  const name = s.startsWith('SIG') ? s : `SIG${s}`;
  return name in SIGNALS ? (name as NodeJS.Signals) : undefined;
}

export function readSignal(c: FieldContext, path: KeyPath, v: unknown): NodeJS.Signals | undefined {
  const sig = typeof v === 'string' || typeof v === 'number' ? parseSignal(v) : undefined;
  if (sig !== undefined) return sig;
  const hint = typeof v === 'string' ? didYouMean(v.toUpperCase().startsWith('SIG') ? v.toUpperCase() : `SIG${v.toUpperCase()}`, Object.keys(SIGNALS)) : undefined;
  return must(c, path, 'a signal name such as "SIGTERM" or "HUP", or a signal number', v, hint);
}

export function readAbsolutePath(c: FieldContext, path: KeyPath, v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return must(c, path, 'an absolute path', v);
  if (!isAbsolute(v)) return must(c, path, 'an absolute path', v);
  return v;
}

/** A string or an array of strings; a single string counts as a one-element list. */
export function readStringList(c: FieldContext, path: KeyPath, v: unknown, what = 'an array of strings'): string[] | undefined {
  const items = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(items) || !items.every((x) => typeof x === 'string')) return must(c, path, what, v);
  return items as string[];
}

/** Service names or LSB facilities (`$network`), as requires/after/before/provides hold. */
export function readNameList(c: FieldContext, path: KeyPath, v: unknown, opts: { facilities: boolean }): string[] | undefined {
  const items = readStringList(c, path, v, 'an array of service names');
  if (items === undefined) return undefined;
  let ok = true;
  for (const item of items) {
    const facility = opts.facilities && /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(item);
    if (!facility && !isValidServiceName(item)) {
      ok = false;
      c.error(path, `${JSON.stringify(keyName(path))} has an invalid service name ${JSON.stringify(item)}`, opts.facilities ? 'names use letters, digits, "_", ".", "@" and "-"; LSB facilities start with "$"' : 'names use letters, digits, "_", ".", "@" and "-"');
    }
  }
  return ok ? [...new Set(items)] : undefined;
}

/** Octal permission bits from "022", "0o022", or a TOML integer (0o022). */
export function readOctalMode(c: FieldContext, path: KeyPath, v: unknown, max: number, example: string): number | undefined {
  if (typeof v === 'string') {
    const m = /^(?:0o)?([0-7]{1,4})$/i.exec(v.trim());
    if (m && parseInt(m[1]!, 8) <= max) return parseInt(m[1]!, 8);
  } else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max) {
    return v;
  }
  return must(c, path, `an octal mode such as ${JSON.stringify(example)}`, v);
}
