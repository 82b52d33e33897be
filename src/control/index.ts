export type * from './daemon-api.js';
export { createControlApp, type ControlAppOptions } from './app.js';
export { startControlServer, type ControlServer, type ControlServerOptions } from './server.js';
export { lookupGroupId, type GroupLookupOptions } from './group-id.js';
export { sseResponse, type SseSink } from './sse.js';
export { FakeDaemonApi, fakeService } from './fake-daemon-api.js';
