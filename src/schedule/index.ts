/** Schedules without processes: cron expressions, crontab(5) files and at(1) times, parsed and stepped. */
export { parseCronSchedule, dayMatches, minuteMatches, CRON_KEYWORDS, type CronSchedule, type WallFields } from './cron-expression.js';
export { nextFire, nextCronRun, cronRunsBetween, type CronRun } from './cron-next.js';
export { cronWake, wallMinute, CRON_LARGE_JUMP_MINUTES, CRON_LATE_WAKE_MINUTES, type CronWake, type CronPass } from './cron-clock.js';
export { parseCrontab, splitPercent, MAX_CRONTAB_LINES, type CrontabJob, type CrontabResult, type CrontabOptions } from './crontab.js';
export { parseCrontabEntry, type CrontabEntry, type CrontabFormat } from './crontab-entry.js';
export { parseAtTime } from './at-time.js';
