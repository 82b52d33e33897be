export { buildLaunch, applyUmask, type Launch, type IdentityOptions } from './launch.js';
export { serviceEnvironment } from './environment.js';
export { lookupUser, lookupGroup, type UserInfo, type GroupInfo } from './users.js';
export { resolveExecutable, findTool, DEFAULT_PATH } from './resolve-executable.js';
export { processGroupAlive, readProcStat, type ProcStat } from './proc.js';
export { readProcessTable, type ProcessNode } from './process-tree.js';
export { raiseNofileLimit, serviceNofileLimit, readNofileLimit, currentNofileSoft, parseNofileRecord, NOFILE_AT_START_ENV, type NofileLimit, type RaisedLimit } from './fd-limit.js';
export { tcpListeners, listenersReachedAt, listenerCovers, ipBytes, pidsHolding, describePortHolders, describeProcess, type TcpListener } from './port-holders.js';
