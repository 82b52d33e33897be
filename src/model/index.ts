export * from './service.js';
export * from './state.js';
export * from './duration.js';
export * from './suggest.js';
export * from './inetd.js';
export * from './sysv.js';
export * from './listen-spec.js';
export * from './events.js';
