export {
  nativeHelperPath,
  missingHelpers,
  installKind,
  helperBuildAdvice,
  rebuildAdvice,
  NATIVE_HELPERS,
  PACKAGE_ROOT,
  INSTALL_MARKER,
  type InstallKind,
  type NativeHelper,
} from './helper-path.js';
export { DgramReceiver, type Datagram } from './dgram-receiver.js';
export { ServerSpawner, SPAWNER_HELPER, joinThenRun, type ServerSpawnOptions, type ServerSpawnerOptions, type ServiceSpawnRequest } from './spawner.js';
export type { ServerProcess } from './server-process.js';
export { keepErrorsHandled, onSpawnOutcome } from './server-process.js';
export { Acceptor, ACCEPTOR_HELPER, acceptorHelperPath, type AcceptorOptions } from './acceptor.js';
export { bindRawTcp, bindRawUdp, bindRawUnix, type RawSocket } from './raw-sockets.js';
export { openRawTcpListener, type RawTcpConnection, type RawTcpListener } from './raw-tcp-listener.js';
export { listenFds, waitReadable, type FdWait } from './fd-waiter.js';
export { stopReading } from './stop-reading.js';
export { SpoolHelper, SPOOL_HELPER, type SpoolHelperOptions, type SpoolHelperEvents, type SpoolMode, type SpoolPlace } from './spool-helper.js';
export { makeFifos } from './fifo.js';
export { DirWatchHelper, WATCH_HELPER, type DirChanges, type WatchedDir } from './dir-watch.js';
export { SocketHolder, type HeldSocketSpec, type SocketHolderOptions } from './socket-holder.js';
