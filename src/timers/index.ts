/** hearthd's crond, anacron and atd: timers and crontab lines run as units, and the at queue. */
export { TimerHost, type TimerHostOptions } from './timer-host.js';
export { TimerBackend } from './timer-backend.js';
export { AtQueue, type AtJob, type AtQueueOptions } from './at-queue.js';
