/**
 * The one error catalogue. Every failure hearth reports to a person carries a
 * stable code (so scripts and tests can match on it) and a message that says
 * what was attempted and why it failed, with the offending value quoted.
 */
export type ErrorCode =
  | 'ERR_CONFIG_SYNTAX'
  | 'ERR_CONFIG_UNKNOWN_KEY'
  | 'ERR_CONFIG_VALUE'
  | 'ERR_CONFIG_MISSING'
  | 'ERR_CONFIG_IO'
  | 'ERR_UNKNOWN_SERVICE'
  | 'ERR_SERVICE_BROKEN'
  | 'ERR_SPAWN'
  | 'ERR_EXEC_NOT_FOUND'
  | 'ERR_USER_NOT_FOUND'
  | 'ERR_GROUP_NOT_FOUND'
  | 'ERR_READY_TIMEOUT'
  | 'ERR_PIDFILE'
  | 'ERR_STOP_TIMEOUT'
  | 'ERR_BAD_REQUEST'
  | 'ERR_DAEMON_UNREACHABLE'
  /** The control socket path is taken (a live hearthd answers, or it is not a socket) or unsafe. */
  | 'ERR_SOCKET_IN_USE'
  | 'ERR_DAEMON_ERROR'
  | 'ERR_USAGE'
  | 'ERR_LOG_IO'
  /** The web GUI cannot start (not built, address taken, TLS files unreadable); hearthd carries on. */
  | 'ERR_WEB'
  /** The fleet's etcd cannot be reached, refused a request, or a fleet operation stopped part way. */
  | 'ERR_FLEET'
  | 'ERR_INTERNAL';

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
