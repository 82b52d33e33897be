import type { IncomingMessage } from 'node:http';
import { HearthError } from '../errors/index.js';
import { isValidServiceName } from '../model/index.js';
import type { LogQuery } from './daemon-api.js';
import { CONTROL_MAX_BODY_BYTES, quote, readBodyText } from './request-limits.js';

/** Everything that crosses the socket is checked here, before the daemon sees it. */

function bad(message: string, hint?: string): HearthError {
  return new HearthError('ERR_BAD_REQUEST', message, hint ? { hint } : {});
}

export function checkName(name: unknown): string {
  if (typeof name !== 'string' || !isValidServiceName(name)) {
    throw bad(
      `invalid service name ${quote(name)}`,
      'names start with a letter or digit and use only letters, digits, "_", ".", "@" and "-"',
    );
  }
  return name;
}

/** A non-empty list of valid names, duplicates dropped (order kept). */
export function checkNames(names: unknown): string[] {
  if (!Array.isArray(names) || names.length === 0) throw bad('"names" must be a non-empty array of service names');
  if (names.length > 10_000) throw bad(`too many names (${names.length})`);
  return [...new Set(names.map(checkName))];
}

/** An integer within [min, max], from a query-string value. */
export function checkInteger(key: string, raw: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(raw.trim())) throw bad(`"${key}" must be a whole number, got ${quote(raw)}`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw bad(`"${key}" must be between ${min} and ${max}, got ${quote(raw)}`);
  return n;
}

const LOG_PARAMS = ['name', 'lines', 'since', 'until', 'grep', 'priority', 'facility'];

/** ?name=a&name=b&lines=N&since=MS&until=MS&grep=TEXT&priority=0-7&facility=0-23,… → LogQuery. */
export function parseLogQuery(url: string): LogQuery {
  const params = new URL(url, 'http://hearth').searchParams;
  for (const key of new Set(params.keys())) {
    if (!LOG_PARAMS.includes(key)) throw bad(`unknown log query parameter ${quote(key)}`, `known: ${LOG_PARAMS.join(', ')}`);
  }
  const q: LogQuery = {};
  const names = params.getAll('name');
  if (names.length > 0) q.names = [...new Set(names.map(checkName))];
  const one = (key: string): string | undefined => {
    const all = params.getAll(key);
    if (all.length > 1) throw bad(`"${key}" given ${all.length} times`);
    return all[0];
  };
  const lines = one('lines');
  if (lines !== undefined) q.lines = checkInteger('lines', lines, 0, 1_000_000);
  const since = one('since');
  if (since !== undefined) q.since = checkInteger('since', since, 0, Number.MAX_SAFE_INTEGER);
  const until = one('until');
  if (until !== undefined) q.until = checkInteger('until', until, 0, Number.MAX_SAFE_INTEGER);
  if (q.since !== undefined && q.until !== undefined && q.since > q.until) {
    throw bad(`"since" (${q.since}) is after "until" (${q.until})`);
  }
  const grep = one('grep');
  if (grep !== undefined) {
    if (grep.length > 4096) throw bad('"grep" is longer than 4096 characters');
    q.grep = grep;
  }
  const priority = one('priority');
  if (priority !== undefined) q.priority = checkInteger('priority', priority, 0, 7);
  const facility = one('facility');
  if (facility !== undefined) q.facility = [...new Set(facility.split(',').map((f) => checkInteger('facility', f, 0, 23)))];
  return q;
}

/** POST bodies: empty means {}, anything else must be a JSON object of at most maxBytes. */
export async function readJsonObject(req: IncomingMessage, maxBytes = CONTROL_MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const text = await readBodyText(req, maxBytes);
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw bad('request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('request body must be a JSON object');
  return body as Record<string, unknown>;
}

export function checkKeys(body: Record<string, unknown>, allowed: string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw bad(`unknown field ${quote(key)}`, allowed.length ? `allowed: ${allowed.join(', ')}` : 'this request takes no fields');
    }
  }
}

/** A list of strings from a request body (a command line, a script's arguments): at most `max`, each under 4 KiB. */
export function checkStrings(key: string, value: unknown, max: number): string[] {
  if (!Array.isArray(value) || value.length > max || !value.every((a) => typeof a === 'string' && a.length < 4096)) {
    throw bad(`${quote(key)} must be an array of at most ${max} strings, each under 4096 characters`);
  }
  return value as string[];
}
