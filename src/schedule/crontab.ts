import { HearthError } from '../errors/index.js';
import { parseCronSchedule, type CronSchedule } from './cron-expression.js';

/**
 * crontab(5) files as cron reads them: the system format (CONFIG_DIR/crontab
 * and cron.d/*: a user field after the schedule) and the user format
 * (crontabs/USER: no user field, the file's name is the user).
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
}

const ENV_LINE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

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

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t.endsWith(t[0]!)) return t.slice(1, -1);
  return t;
}

/**
 * Parses one crontab. `file` is the display path ("cron.d/backup"); `owner`
 * is the user for the user format, undefined for the system format.
 */
export function parseCrontab(file: string, text: string, owner?: string): CrontabResult {
  const jobs: CrontabJob[] = [];
  const errors: HearthError[] = [];
  const environment: Record<string, string> = {};
  text.split('\n').forEach((rawLine, index) => {
    const lineNo = index + 1;
    const line = rawLine.replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const env = ENV_LINE.exec(line);
    // "NAME = value" lines set the environment; a schedule never starts with a letter followed by "=".
    if (env && !/^@/.test(trimmed)) {
      environment[env[1]!] = unquote(env[2]!);
      return;
    }
    const fail = (message: string) =>
      errors.push(new HearthError('ERR_CONFIG_VALUE', message, { file, line: lineNo, hint: owner === undefined ? 'system format: SCHEDULE USER COMMAND' : 'user format: SCHEDULE COMMAND' }));
    const words = trimmed.split(/\s+/);
    const scheduleWords = words[0]!.startsWith('@') ? 1 : guessScheduleLength(words, owner === undefined);
    const schedText = words.slice(0, scheduleWords).join(' ');
    let schedule: CronSchedule;
    try {
      schedule = parseCronSchedule(schedText);
    } catch (e) {
      fail((e as Error).message);
      return;
    }
    const rest = trimmed.split(/\s+/).slice(scheduleWords);
    let user = owner;
    if (owner === undefined) {
      user = rest.shift();
      if (!user || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/.test(user)) {
        fail(`missing or invalid user field "${user ?? ''}"`);
        return;
      }
    }
    // The command is the rest of the line as written (spacing kept), after schedule and user.
    const command = commandText(trimmed, scheduleWords + (owner === undefined ? 1 : 0));
    if (!command) {
      fail('a schedule without a command');
      return;
    }
    const { command: cmd, stdin } = splitPercent(command);
    jobs.push({ id: `${file}:${lineNo}`, file, line: lineNo, schedule, user: user!, command: cmd, ...(stdin !== undefined ? { stdin } : {}), environment: { ...environment } });
  });
  return { jobs, errors };
}

/** 6 schedule fields when the sixth looks like a cron field and the line is long enough, else 5. */
function guessScheduleLength(words: string[], system: boolean): number {
  const field = /^[\d*/,\-a-zA-Z]+$/;
  const sixth = words[5];
  const minimum = system ? 8 : 7; // six fields + (user) + command
  if (sixth !== undefined && words.length >= minimum && /^[\d*/,-]+$/.test(sixth) && words.slice(0, 6).every((w) => field.test(w))) return 6;
  return 5;
}

function commandText(line: string, skipWords: number): string {
  let rest = line;
  for (let i = 0; i < skipWords; i++) rest = rest.replace(/^\s*\S+/, '');
  return rest.trim();
}
