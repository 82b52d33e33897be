export { Daemon, type DaemonOptions } from './daemon.js';
// hearthd renders events to its stdout with the same words as its journal.
export { describeEvent } from '../events/index.js';
