export { SuperServer } from './super-server.js';
export type { ApplyResult, InetdEvent, InetdLogLine, InetdServiceState, InetdStateChange, SuperServerOptions } from './types.js';
export { daytimeText, chargenDatagram, chargenChunk } from './internal-protocols.js';
export {
  parseListenSpec, bindListeners, activationEnv, activationStdio, withListenPid, waitForFirstConnection,
  type ListenSpec, type BoundSocket,
} from './socket-activation.js';
export type { FdWait } from '../native/index.js';
export { InetdBackend, type InetdBackendOptions } from './inetd-backend.js';
export type { EnvCompat } from './server-launch.js';
export { SUPER_SERVER_NAME } from '../model/index.js';
