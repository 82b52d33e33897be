export { startWebServer, loadGuiAssets, type WebServer, type WebServerOptions } from './server/start.js';
export { createWebApp, type WebAppOptions, type WebAssets } from './server/web-app.js';
export { hashPassword, verifyPassword, SessionStore, LoginLimiter } from './server/auth.js';
export { guiDir } from './gui-dir.js';
