/**
 * The one error table: every code hearth reports, the HTTP status the control
 * API and the web server answer it with, and what it means in one line.
 * docs/errors.md lists the same rows (a test keeps the two in step), so a
 * client can match on a code and know what it will get.
 */
export interface ErrorEntry {
  /** The HTTP status of a response carrying this code. */
  status: number;
  /** One line for a person: what went wrong, in general. */
  meaning: string;
}

export const ERROR_TABLE = {
  ERR_CONFIG_SYNTAX: { status: 422, meaning: 'a config file does not parse (TOML, xinetd, inetd.conf, LSB header, crontab)' },
  ERR_CONFIG_UNKNOWN_KEY: { status: 422, meaning: 'a config file has a key hearth does not know' },
  ERR_CONFIG_VALUE: { status: 422, meaning: 'a config key has a value of the wrong type or out of range' },
  ERR_CONFIG_MISSING: { status: 422, meaning: 'a required config key or file is missing' },
  ERR_CONFIG_IO: { status: 422, meaning: 'a config file or directory cannot be read' },
  ERR_UNKNOWN_SERVICE: { status: 404, meaning: 'no service by that name' },
  ERR_SERVICE_BROKEN: { status: 409, meaning: 'the service exists but its definition has errors' },
  ERR_SPAWN: { status: 500, meaning: 'a process could not be started' },
  ERR_EXEC_NOT_FOUND: { status: 500, meaning: 'the program to run does not exist or is not executable' },
  ERR_USER_NOT_FOUND: { status: 500, meaning: 'the user a service runs as does not exist' },
  ERR_GROUP_NOT_FOUND: { status: 500, meaning: 'the group a service runs as does not exist' },
  ERR_READY_TIMEOUT: { status: 500, meaning: 'a service did not become ready within its start timeout' },
  ERR_PIDFILE: { status: 500, meaning: 'a forking service\'s pidfile is missing, unreadable or names a process it may not claim' },
  ERR_STOP_TIMEOUT: { status: 500, meaning: 'a service did not stop within its stop timeout, even after SIGKILL' },
  ERR_NO_DESCRIPTORS: { status: 503, meaning: 'hearthd or the system is out of file descriptors (EMFILE, ENFILE)' },
  ERR_BAD_REQUEST: { status: 400, meaning: 'a request to the control API is malformed (fields, names, values)' },
  ERR_NOT_FOUND: { status: 404, meaning: 'no such endpoint in the control API or the web server' },
  ERR_TOO_LARGE: { status: 413, meaning: 'a request body is larger than hearthd accepts; it was not read' },
  ERR_LOGIN: { status: 401, meaning: 'the web GUI needs a login, or the token or password was wrong' },
  ERR_FORBIDDEN: { status: 403, meaning: 'the web session may not do this (read-only, CSRF check, or never over the web)' },
  ERR_RATE_LIMITED: { status: 429, meaning: 'too many failed logins from this browser or address; wait as Retry-After says' },
  ERR_BAD_HOST: { status: 421, meaning: 'the Host header names a host the web GUI does not serve (DNS rebinding guard)' },
  ERR_BUSY: { status: 503, meaning: 'the web GUI has as many connections as it takes (in all, or from this address)' },
  ERR_FOLLOWER_BEHIND: { status: 503, meaning: 'a log or event follower read too slowly and was disconnected; reconnect' },
  ERR_DAEMON_UNREACHABLE: { status: 503, meaning: 'the CLI cannot reach hearthd on its control socket' },
  ERR_SOCKET_IN_USE: { status: 500, meaning: 'the control socket path is taken by a live hearthd, is not a socket, or is unsafe' },
  ERR_DAEMON_ERROR: { status: 502, meaning: 'hearthd answered something the client cannot read' },
  ERR_USAGE: { status: 400, meaning: 'a command line is wrong (unknown option, missing argument)' },
  ERR_LOG_IO: { status: 500, meaning: 'a log file cannot be written or read' },
  ERR_LOG_FULL: { status: 507, meaning: 'the log filesystem is full (or over quota); records are dropped or held until space returns' },
  ERR_FLEET: { status: 502, meaning: "the fleet's etcd cannot be reached or refused a request, or a fleet operation stopped part way" },
  ERR_WEB: { status: 500, meaning: 'the web GUI cannot start (not built, address taken, TLS files unreadable); hearthd carries on' },
  ERR_INTERNAL: { status: 500, meaning: 'a bug in hearth; please report it with the message' },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof ERROR_TABLE;

/** The HTTP status for a code; 500 for anything not in the table (a code from a newer peer). */
export function httpStatusOf(code: string): number {
  return (ERROR_TABLE as Record<string, ErrorEntry>)[code]?.status ?? 500;
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_TABLE, code);
}
