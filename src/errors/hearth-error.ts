/**
 * The one error catalogue. Every failure hearth reports to a person carries a
 * stable code (so scripts and tests can match on it) and a message that says
 * what was attempted and why it failed, with the offending value quoted.
 */
import type { ErrorCode } from './table.js';

export interface HearthErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Where in a config file the problem is, when it comes from one. */
  file?: string;
  line?: number;
  key?: string;
}

export class HearthError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly key: string | undefined;

  constructor(code: ErrorCode, message: string, options: HearthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HearthError';
    this.code = code;
    this.hint = options.hint;
    this.file = options.file;
    this.line = options.line;
    this.key = options.key;
  }

  /** The compiler-style one-liner: `services/web.toml:2: unknown key "restrat" (did you mean "restart"?)`. */
  override toString(): string {
    const where = this.file ? `${this.file}${this.line ? `:${this.line}` : ''}: ` : '';
    return `${where}${this.message}${this.hint ? ` (${this.hint})` : ''}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.file ? { file: this.file } : {}),
      ...(this.line ? { line: this.line } : {}),
      ...(this.key ? { key: this.key } : {}),
    };
  }
}

export function isHearthError(e: unknown): e is HearthError {
  return e instanceof HearthError;
}

/** Renders any thrown value as one line for a person. */
export function describeError(e: unknown): string {
  if (e instanceof HearthError) return e.toString();
  if (e instanceof Error) return e.message;
  return String(e);
}
