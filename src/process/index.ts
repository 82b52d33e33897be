export { buildLaunch, applyUmask, rlimitSpecs, type Launch, type LaunchOptions, type IdentityOptions } from './launch.js';
export { serviceEnvironment } from './environment.js';
export { lookupUser, lookupGroup, userGroups, type UserInfo, type GroupInfo } from './users.js';
export { resolveExecutable, findTool, DEFAULT_PATH } from './resolve-executable.js';
export { parseProcStat, processGroupAlive, readProcStat, usageOfProcesses, type ProcStat } from './proc.js';
export { readProcessTable, type ProcessNode } from './process-tree.js';
export { raiseNofileLimit, serviceNofileLimit, readNofileLimit, currentNofileSoft, parseNofileRecord, NOFILE_AT_START_ENV, type NofileLimit, type RaisedLimit } from './fd-limit.js';
export { bootTime } from './boot-time.js';
export { tcpListeners, listenersReachedAt, listenerCovers, ipBytes, pidsHolding, describePortHolders, describeProcess, type TcpListener } from './port-holders.js';
