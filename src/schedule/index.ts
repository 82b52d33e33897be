/** Schedules without processes: cron expressions, crontab(5) files and at(1) times, parsed and stepped. */
export { parseCronSchedule, nextFire, type CronSchedule } from './cron-expression.js';
export { parseCrontab, splitPercent, type CrontabJob, type CrontabResult } from './crontab.js';
export { parseAtTime } from './at-time.js';
