/**
 * hearth's fleet: hosts that share desired state on etcd. Loaded only through
 * import() when hearth.toml has a [fleet] section, so single-host hearthd
 * never pays for it.
 */
export { EtcdClient, EtcdError, prefixEnd, type EtcdClientOptions, type EtcdErrorKind, type EtcdTls, type KeyValue, type TxnCompare, type TxnOp } from './etcd-client.js';
export { openWatch, type Watch, type WatchEvent, type WatchOptions } from './etcd-watch.js';
