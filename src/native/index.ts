export { nativeHelperPath } from './helper-path.js';
export { DgramReceiver, type Datagram } from './dgram-receiver.js';
export { ServerSpawner, SPAWNER_HELPER, type ServerProcess, type ServerSpawnOptions, type ServerSpawnerOptions } from './spawner.js';
