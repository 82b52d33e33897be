export type * from './daemon-api.js';
export { createControlApp, type ControlAppOptions } from './app.js';
export { startControlServer, type ControlServer, type ControlServerOptions } from './server.js';
export { lookupGroupId, type GroupLookupOptions } from './group-id.js';
export { sseReply, DEFAULT_FOLLOWER_BUFFER_BYTES, type SseSink, type SseOptions } from './sse.js';
export { FakeDaemonApi, fakeService } from './fake-daemon-api.js';
export { CONTROL_MAX_BODY_BYTES, WEB_MAX_BODY_BYTES, refuseLargeBodies, readBodyText, quote } from './request-limits.js';
export { readJsonObject } from './validate.js';
