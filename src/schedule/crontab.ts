import { HearthError } from '../errors/index.js';
import type { CronSchedule } from './cron-expression.js';
import { parseCrontabEntry, type CrontabFormat } from './crontab-entry.js';
import { parseEnvLine, MAX_ENV_LINE } from './crontab-env.js';

/**
 * crontab(5) files as Debian's cron reads them: the system format
 * (CONFIG_DIR/crontab and cron.d/*: a user field after the schedule) and the
 * user format (crontabs/USER: no user field, the file's name is the user).
 * Unlike cron, which ignores a whole file over one bad line, the other lines
 * of the file still load; the bad line is an error naming file and line.
 */

export interface CrontabJob {
  /** "cron.d/backup:4": unique and where it came from. */
  id: string;
  file: string;
  line: number;
  schedule: CronSchedule;
  user: string;
  /** Run with /bin/sh -c, as cron does. */
  command: string;
  /** What follows the first unescaped % in the command, with later %s as newlines. */
  stdin?: string;
  /** NAME=value lines above the job. */
  environment: Record<string, string>;
}

export interface CrontabResult {
  jobs: CrontabJob[];
  errors: HearthError[];
  /** Lines cron accepts that are almost certainly slips ("*5", a backwards range, no command). */
  warnings: HearthError[];
}

export interface CrontabOptions {
  /** Whether a user of this name exists (cron's getpwnam); without it, any user field is taken. */
  userExists?: (name: string) => boolean;
}

/** cron refuses a crontab longer than this. */
export const MAX_CRONTAB_LINES = 10_000;

/** Splits a crontab command at its first unescaped %: before is the command, after is stdin (later %s are newlines). */
export function splitPercent(raw: string): { command: string; stdin?: string } {
  let command = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\\' && raw[i + 1] === '%') {
      command += '%';
      i++;
    } else if (ch === '%') {
      const rest = raw.slice(i + 1).replace(/(^|[^\\])%/g, '$1\n').replace(/\\%/g, '%');
      return { command, stdin: `${rest}\n` };
    } else {
      command += ch;
    }
  }
  return { command };
}

/**
 * Parses one crontab. `file` is the display path ("cron.d/backup"); `owner`
 * is the user for the user format, undefined for the system format.
 */
export function parseCrontab(file: string, text: string, owner?: string, options: CrontabOptions = {}): CrontabResult {
  const jobs: CrontabJob[] = [];
  const errors: HearthError[] = [];
  const warnings: HearthError[] = [];
  const format: CrontabFormat = owner === undefined ? 'system' : 'user';
  const environment: Record<string, string> = {};
  const lines = text.split('\n');
  // The text after the last newline: empty in a well-formed file.
  const unterminated = lines.pop()!;
  if (lines.length + (unterminated === '' ? 0 : 1) > MAX_CRONTAB_LINES) {
    errors.push(new HearthError('ERR_CONFIG_VALUE', `more than ${MAX_CRONTAB_LINES} lines; cron ignores the whole file, and so does hearth`, { file }));
    return { jobs, errors, warnings };
  }
  if (owner !== undefined && options.userExists && !options.userExists(owner)) {
    errors.push(new HearthError('ERR_CONFIG_VALUE', `user "${owner}" does not exist; cron ignores this crontab, and so does hearth`, { file, hint: 'a file in crontabs/ is named after the user it runs as' }));
    return { jobs, errors, warnings };
  }
  const tail = unterminated.replace(/^[ \t]+/, '');
  if (tail !== '' && !tail.startsWith('#')) {
    errors.push(new HearthError('ERR_CONFIG_VALUE', 'the last line has no newline at its end; cron ignores such a line (and the whole file)', { file, line: lines.length + 1, hint: 'end the file with a newline' }));
  }
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const at = { file, line: lineNo };
    // Blank lines and comments: only spaces and tabs count as blank here ("\r" does not).
    const line = raw.replace(/^[ \t]+/, '');
    if (line === '' || line.startsWith('#')) return;
    const env = parseEnvLine(line);
    if (env) {
      if (line.length > MAX_ENV_LINE) warnings.push(new HearthError('ERR_CONFIG_VALUE', `variable line longer than ${MAX_ENV_LINE} characters: cron keeps only the first ${MAX_ENV_LINE}`, at));
      environment[env[0]] = env[1];
      return;
    }
    const entry = parseCrontabEntry(line, format, options.userExists);
    if ('message' in entry) {
      errors.push(new HearthError('ERR_CONFIG_VALUE', entry.message, { ...at, hint: entry.hint }));
      return;
    }
    for (const w of entry.warnings) warnings.push(new HearthError('ERR_CONFIG_VALUE', w, at));
    const { command, stdin } = splitPercent(entry.command);
    jobs.push({
      id: `${file}:${lineNo}`,
      file,
      line: lineNo,
      schedule: entry.schedule,
      user: entry.user ?? owner!,
      command,
      ...(stdin !== undefined ? { stdin } : {}),
      environment: { ...environment },
    });
  });
  return { jobs, errors, warnings };
}
