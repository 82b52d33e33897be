/**
 * systemd units, read and understood: the public face of src/systemd/.
 * (Work in progress: this face grows with the loader.)
 */
export * from './calendar/index.js';
export * from './time-span.js';
export * from './unit-name.js';
