export { parseCronSchedule, dayMatches, minuteMatches, CRON_KEYWORDS, type CronSchedule, type WallFields } from './cron-expression.js';
export { nextFire, nextCronRun, cronRunsBetween, type CronRun } from './cron-next.js';
export { cronWake, wallMinute, CRON_LARGE_JUMP_MINUTES, CRON_LATE_WAKE_MINUTES, type CronWake, type CronPass } from './cron-clock.js';
export { parseCrontab, splitPercent, type CrontabJob, type CrontabResult } from './crontab.js';
export { parseAtTime } from './at-time.js';
