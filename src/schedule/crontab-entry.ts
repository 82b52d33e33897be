import { CRON_KEYWORDS, parseCronSchedule, rebootSchedule, scheduleFromFields, type CronSchedule } from './cron-expression.js';
import { FIELDS, isFieldError, scanField, type ScannedField } from './cron-fields.js';

/**
 * One job line of a crontab, read as strictly as Debian's cron reads it
 * (entry.c, load_entry): exactly five time fields or an @keyword (lower case),
 * then — in the system format of crontab and cron.d/ — a user that exists,
 * then the command, the rest of the line. What crontab(1) accepts is
 * accepted, with the same meaning; what it accepts but is almost certainly
 * a slip ("*5", "5-1", no command) comes back as a warning.
 */

export type CrontabFormat = 'system' | 'user';

export interface CrontabEntry {
  schedule: CronSchedule;
  /** The user field (system format only). */
  user?: string;
  /** The rest of the line, as cron hands it to the shell (% not yet split). */
  command: string;
  warnings: string[];
}

export interface CrontabEntryError {
  message: string;
  hint: string;
}

/** cron's command buffer: a command this long or longer is refused ("command too long"). */
export const MAX_COMMAND = 999;

const SIXTH_FIELD_HINT = 'this looks like a sixth time field: crontab lines have exactly five (a seconds field is only for schedule = in services/*.toml)';
const FORMAT_HINT: Record<CrontabFormat, string> = {
  system: 'crontab and cron.d/ lines: minute hour day-of-month month day-of-week USER command',
  user: 'crontabs/USER lines: minute hour day-of-month month day-of-week command',
};
const KEYWORD_HINT = 'crontab(1) knows @reboot, @yearly, @annually, @monthly, @weekly, @daily, @midnight and @hourly, in lower case';

const isBlank = (ch: string | undefined) => ch === ' ' || ch === '\t';
const looksLikeTimeField = (word: string) => /^[\d*,/-]+$/.test(word);

function skipBlanks(line: string, pos: number): number {
  while (isBlank(line[pos])) pos++;
  return pos;
}

/** Up to the next blank: how cron reads a keyword or a user name. */
function word(line: string, pos: number): string {
  let end = pos;
  while (end < line.length && !isBlank(line[end])) end++;
  return line.slice(pos, end);
}

/** The time part: an @keyword or five fields. Returns the schedule and where the rest of the line starts. */
function readSchedule(line: string, format: CrontabFormat): { schedule: CronSchedule; pos: number; warnings: string[] } | CrontabEntryError {
  if (line.startsWith('@')) {
    const keyword = word(line, 0);
    const name = keyword.slice(1);
    if (name === 'reboot') return { schedule: rebootSchedule(keyword), pos: keyword.length, warnings: [] };
    const expanded = Object.hasOwn(CRON_KEYWORDS, name) ? CRON_KEYWORDS[name] : undefined;
    if (expanded === undefined) return { message: `unknown time keyword "${keyword}"`, hint: KEYWORD_HINT };
    return { schedule: { ...parseCronSchedule(expanded), text: keyword }, pos: keyword.length, warnings: [] };
  }
  const specs = [FIELDS.minute, FIELDS.hour, FIELDS.dom, FIELDS.month, FIELDS.dow];
  const text = line.split(/[ \t]+/).slice(0, 5).join(' ');
  const scanned: ScannedField[] = [];
  let pos = 0;
  for (const spec of specs) {
    if (pos >= line.length) return { message: `schedule "${text}": has ${scanned.length} time fields, not 5`, hint: FORMAT_HINT[format] };
    const r = scanField(line, pos, spec, 'crontab');
    if (isFieldError(r)) return { message: `schedule "${text}": ${r.error}`, hint: r.hint ?? FORMAT_HINT[format] };
    scanned.push(r);
    pos = skipBlanks(line, r.end);
  }
  const [minute, hour, dom, month, dow] = scanned as [ScannedField, ScannedField, ScannedField, ScannedField, ScannedField];
  return { schedule: scheduleFromFields(text, { minute, hour, dom, month, dow }), pos, warnings: scanned.flatMap((f) => f.warnings) };
}

/**
 * Reads a job line; `line` starts at its first non-blank character and has
 * no newline. `userExists` is asked about the user field of the system
 * format; without it any user is taken.
 */
export function parseCrontabEntry(line: string, format: CrontabFormat, userExists?: (name: string) => boolean): CrontabEntry | CrontabEntryError {
  const time = readSchedule(line, format);
  if ('message' in time) return time;
  const warnings = [...time.warnings];
  let pos = skipBlanks(line, time.pos);
  let user: string | undefined;
  if (format === 'system') {
    user = word(line, pos);
    if (user === '') return { message: 'the user field and the command are missing', hint: FORMAT_HINT.system };
    pos += user.length;
    // cron reads the user up to a blank, and a line that ends there has no command: it reads on into the next line.
    if (pos >= line.length) return { message: `no command after the user field "${user}"`, hint: FORMAT_HINT.system };
    pos++;
    if (userExists && !userExists(user)) {
      const hint = looksLikeTimeField(user) ? SIXTH_FIELD_HINT : `the user comes right after the five time fields; ${FORMAT_HINT.system}`;
      return { message: `unknown user "${user}"`, hint };
    }
  } else if (line[pos] === '*') {
    return { message: `the command starts with "*"`, hint: SIXTH_FIELD_HINT };
  }
  const command = line.slice(pos);
  if (command.length >= MAX_COMMAND) return { message: `the command is ${command.length} characters long; cron refuses ${MAX_COMMAND} or more`, hint: 'put it in a script and run that' };
  if (command.trim() === '') warnings.push('no command: cron accepts the line and runs nothing');
  if (command.endsWith('\r')) warnings.push('the line ends in a carriage return (DOS line ends): cron passes it to the shell as part of the command');
  return { schedule: time.schedule, ...(user !== undefined ? { user } : {}), command: command.replace(/^[ \t]+/, ''), warnings };
}
