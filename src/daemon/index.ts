export { Daemon, describeEvent, type DaemonOptions } from './daemon.js';
